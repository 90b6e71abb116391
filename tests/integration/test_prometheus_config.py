"""deploy/prometheus/ is valid for the real Prometheus: promtool checks, rule unit tests, a live server.

Needs the Debian ``prometheus`` package (``prometheus`` and ``promtool`` on PATH); ``make test`` installs
it. Without it these tests fail: a missing tool must not pass unnoticed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import start_http_server

from services.core import metrics
from services.core.poll import poll_until
from services.supervise import free_port
from tests.conftest import ROOT

PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS_DIR / "rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "wirestream.json"
INSTALL_HINT = "install the Debian package `prometheus` (apt-get install -y prometheus), as `make test` does"


def _tool(name: str) -> Path:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not on PATH: {INSTALL_HINT}")
    return Path(found)


@pytest.fixture(scope="module")
def promtool() -> Path:
    """Path of promtool; its absence fails the test (never skipped)."""
    return _tool("promtool")


@pytest.fixture(scope="module")
def prometheus_bin() -> Path:
    """Path of the prometheus server binary; its absence fails the test (never skipped)."""
    return _tool("prometheus")


def _run(*args: str | Path, cwd: Path = PROMETHEUS_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.local.yml"])
def test_promtool_check_config(promtool: Path, config: str) -> None:
    result = _run(promtool, "check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_promtool_check_rules(promtool: Path) -> None:
    result = _run(promtool, "check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    groups = yaml.safe_load(RULES.read_text())["groups"]
    count = sum(len(g["rules"]) for g in groups)
    assert f"SUCCESS: {count} rules found" in result.stdout


def test_promtool_rule_unit_tests(promtool: Path) -> None:
    """The alerts fire as intended: deploy/prometheus/rules.test.yml."""
    result = _run(promtool, "test", "rules", "rules.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_queries_are_valid_promql(promtool: Path, tmp_path: Path) -> None:
    """Every Grafana panel query parses (checked as recording rules, Grafana variables substituted)."""
    dashboard = json.loads(DASHBOARD.read_text())
    rules = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"].replace("$__rate_interval", "1m").replace("$stage", ".*")
            assert "$" not in expr, expr
            rules.append({"record": f"panel_{panel['id']}_{target['refId']}", "expr": expr})
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = _run(promtool, "check", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- a real Prometheus server scraping a real prometheus_client endpoint ----


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read().decode())


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    body = _get_json(f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _poll(what: str, check: Callable[[], Any], server: subprocess.Popen[bytes], log: Path) -> Any:
    """Call ``check`` until it returns something truthy; fail after the deadline or if the server exits."""
    last: list[object] = [None]

    def attempt() -> Any:
        if server.poll() is not None:
            pytest.fail(f"prometheus exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            last[0] = check()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last[0] = exc
            return None
        return last[0]

    try:
        return poll_until(attempt, deadline_s=60.0, what=what)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}; last: {last[0]!r}\n{log.read_text()[-3000:]}")


@pytest.fixture
def exporter() -> Iterator[int]:
    """The wirestream metrics (services.core.metrics) served on a free loopback port."""
    port = free_port()
    metrics.MESSAGES_IN.labels("test").inc()
    server, thread = start_http_server(port, addr="127.0.0.1")
    yield port
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _server_config(exporter_port: int) -> dict[str, Any]:
    """prometheus.local.yml's cleaner job aimed at the test exporter, with deploy's rules, at 1s."""
    config: dict[str, Any] = yaml.safe_load((PROMETHEUS_DIR / "prometheus.local.yml").read_text())
    config["global"].update({"scrape_interval": "1s", "evaluation_interval": "1s"})
    config["rule_files"] = [str(RULES)]
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "wirestream-cleaner"]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{exporter_port}"], "labels": {"stage": "cleaner"}}]
    config["scrape_configs"] = [job]
    return config


@pytest.fixture
def prometheus_server(
    prometheus_bin: Path, exporter: int, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """A real prometheus on a free loopback port with a temporary TSDB; killed after the test."""
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(_server_config(exporter)))
    port = free_port()
    log = tmp_path / "prometheus.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                str(prometheus_bin),
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,
            env={**os.environ, "HOME": str(tmp_path)},
        )
    try:
        yield f"http://127.0.0.1:{port}", server, log
    finally:
        server.kill()
        server.wait(timeout=30)


def test_real_prometheus_scrapes_workers_and_evaluates_rules(
    prometheus_server: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    base, server, log = prometheus_server

    def scraped() -> list[dict[str, Any]]:
        return [
            s
            for s in _query(base, "wirestream_messages_in_total")
            if s["metric"].get("stage") == "test" and float(s["value"][1]) >= 1
        ]

    (sample,) = _poll("the scraped counter", scraped, server, log)
    # honor_labels: the sample keeps its own stage; job and instance come from the scrape config.
    assert sample["metric"]["job"] == "wirestream-cleaner"
    assert "exported_stage" not in sample["metric"]

    def recorded() -> list[dict[str, Any]]:
        return [
            s for s in _query(base, "stage:wirestream_messages_in:rate1m") if s["metric"]["stage"] == "test"
        ]

    (rate,) = _poll("the recording rule stage:wirestream_messages_in:rate1m", recorded, server, log)
    assert float(rate["value"][1]) >= 0

    # Every rule of deploy/prometheus/rules.yml has been evaluated without error.
    expected = {
        r.get("record") or r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]
    }

    def evaluated() -> list[dict[str, Any]]:
        groups = _get_json(f"{base}/api/v1/rules")["data"]["groups"]
        rules: list[dict[str, Any]] = [r for g in groups for r in g["rules"]]
        return rules if all(r["health"] != "unknown" for r in rules) else []

    rules = _poll("every rule to be evaluated", evaluated, server, log)
    assert {r["name"] for r in rules} == expected
    unhealthy = {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}
    assert not unhealthy

    # The worker-down alert sees this target as up.
    up = _query(base, 'up{job="wirestream-cleaner"}')
    assert [(s["metric"]["stage"], s["value"][1]) for s in up] == [("cleaner", "1")]
    firing = _get_json(f"{base}/api/v1/alerts")["data"]["alerts"]
    assert not [a for a in firing if a["labels"]["alertname"] == "WirestreamWorkerDown"]
