"""Security on a real broker: SASL_SSL (SCRAM-SHA-512) over TLS, least-privilege ACLs, clear failures.

One private secure broker for the module (own ports and home under .cache/, stopped afterwards);
each test gets its own topic prefix with its topics and ACLs created by the admin principal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from services.cleaner.app import create as create_cleaner
from services.cleaner.settings import CleanerSettings
from services.core.consume import Record, collect_until, records
from services.core.kafka import KafkaAuthError, broker_answers, check_credentials
from services.core.poll import poll_until
from services.core.runner import run_worker
from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, ENV_FILE_VAR, RAW, KafkaSettings
from services.localbroker import broker as localbroker
from services.localbroker import secure
from services.localbroker.acls import ADMIN, PRINCIPALS
from services.replay.producer import ReplaySettings, replay
from services.supervise import STAGES, free_port, start_worker, stop_workers, wait_ready
from tests.conftest import ROOT, SEEDS, unavailable


@pytest.fixture(scope="module")
def secure_broker() -> Iterator[secure.SecureBrokerSettings]:
    """A private SASL_SSL broker with the StandardAuthorizer; killed and removed after the module."""
    home = ROOT / ".cache" / "test-secure" / uuid.uuid4().hex[:8]
    settings = secure.SecureBrokerSettings(
        home=home,
        port=free_port(),
        controller_port=free_port(),
        heap_opts="-Xms128m -Xmx384m",
        start_timeout_s=90.0,
    )
    try:
        secure.prepare(settings)
        localbroker.up(settings)
    except Exception as exc:  # no jars, Java or openssl: a failure under CI, a skip elsewhere
        localbroker.kill(settings)
        unavailable(f"secure broker did not start: {exc}")
    yield settings
    localbroker.kill(settings)
    shutil.rmtree(home, ignore_errors=True)
    with contextlib.suppress(OSError):
        home.parent.rmdir()  # when no other run's broker is left in it


@pytest.fixture
def prefix(secure_broker: secure.SecureBrokerSettings) -> str:
    """A fresh topic prefix with the public topics and every principal's ACLs (made by admin)."""
    name = f"s{uuid.uuid4().hex[:10]}."
    secure.provision(secure_broker, name)
    return name


def _logs(settings: secure.SecureBrokerSettings, name: str) -> Path:
    return settings.home / "logs" / name


def _worker_env(settings: secure.SecureBrokerSettings, prefix: str, stage: str, data: Path) -> dict[str, str]:
    up = stage.upper()
    return {
        ENV_FILE_VAR: str(settings.env_file(stage)),
        "WIRESTREAM_KAFKA_TOPIC_PREFIX": prefix,
        f"WIRESTREAM_{up}_DATA_DIR": str(data / stage),
        f"WIRESTREAM_{up}_METRICS_HOST": "127.0.0.1",
        "WIRESTREAM_TAGGER_EMBEDDING_BACKEND": "none",
    }


def test_pipeline_end_to_end_over_sasl_ssl(secure_broker: secure.SecureBrokerSettings, prefix: str) -> None:
    logs = _logs(secure_broker, "pipeline")
    workers = [
        start_worker(stage, free_port(), _worker_env(secure_broker, prefix, stage, logs / "data"), logs)
        for stage in STAGES
    ]
    try:
        wait_ready(workers, deadline_s=120.0)
        summary = replay([SEEDS], ReplaySettings(kafka=secure_broker.client("replay", topic_prefix=prefix)))
        assert summary.produced == 5 and not summary.failed, summary.describe()
        admin = secure_broker.client(ADMIN, topic_prefix=prefix)
        wanted = set(summary.article_ids)

        def every_seed_out(seen: list[Record]) -> bool:
            """Every part of every seed: a glued seed's second part may come after its first."""
            parts: dict[str, set[int]] = {}
            expected: dict[str, int] = {}
            for r in seen:
                if isinstance(r.value, dict) and isinstance(r.value.get("source"), dict):
                    parent = str(r.value.get("parent_id"))
                    parts.setdefault(parent, set()).add(int(r.value["source"].get("part", 1)))
                    expected[parent] = int(r.value["source"].get("parts", 1))
            return all(len(parts.get(p, ())) >= expected.get(p, 1) for p in wanted) and wanted <= set(parts)

        out = collect_until(admin, [admin.topic(ENRICHED)], every_seed_out, deadline_s=120.0)
    finally:
        stop_workers(workers)
    ids = [r.value["article_id"] for r in out]
    assert len(ids) == len(set(ids)), "no article comes out twice"
    assert {r.value["parent_id"] for r in out} == wanted
    assert len(out) == 6, "five seeds, one of them two glued articles"
    others = list(records(admin, [admin.topic(DLQ), admin.topic(DUPLICATES)], idle_timeout_s=1.0))
    assert others == [], "nothing dead-lettered or set aside"


def test_wrong_password_is_one_clear_line_and_exit_1(
    secure_broker: secure.SecureBrokerSettings, prefix: str, tmp_path: Path
) -> None:
    wrong = "not-the-password-" + uuid.uuid4().hex[:8]
    good = secure_broker.credentials().passwords["cleaner"]
    bad_env = tmp_path / "cleaner-wrong.env"
    bad_env.write_text(secure_broker.env_file("cleaner").read_text().replace(good, wrong))
    logs = _logs(secure_broker, "wrong-password")
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WIRESTREAM_KAFKA_TOPIC_PREFIX": prefix, "WIRESTREAM_CLEANER_METRICS_PORT": "0"}
    for argv in (["worker", "cleaner"], ["replay", str(SEEDS), "--quiet"]):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "services.cli", "--env-file", str(bad_env), *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        elapsed = time.monotonic() - started
        (logs / f"{argv[0]}.log").write_text(done.stdout + done.stderr)
        assert done.returncode == 1, done.stderr
        lines = [line for line in done.stderr.splitlines() if "authentication failed" in line]
        assert len(lines) >= 1 and "SASL_PASSWORD" in lines[-1] and "'cleaner'" in lines[-1], done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert wrong not in done.stdout + done.stderr, "the password is never printed"
        assert elapsed < 20, f"{argv[0]} took {elapsed:.1f}s: a retry loop?"


def test_denied_write_is_reported_and_stops_the_worker(
    secure_broker: secure.SecureBrokerSettings, prefix: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kafka = secure_broker.client("cleaner", topic_prefix=prefix)
    settings = CleanerSettings(kafka=kafka, data_dir=str(tmp_path), metrics_port=free_port())
    topology = create_cleaner(settings)
    # the cleaner principal may write articles.clean.v1, not articles.enriched.v1
    topology = dataclasses.replace(topology, routes={**topology.routes, "out": kafka.topic(ENRICHED)})
    replay(
        sorted(SEEDS.glob("*.txt"))[:1],
        ReplaySettings(kafka=secure_broker.client("replay", topic_prefix=prefix)),
    )
    sample = {"stage": "cleaner", "kind": "authorization"}
    before = REGISTRY.get_sample_value("wirestream_kafka_errors_total", sample) or 0.0
    watchdog = threading.Timer(
        60.0, os.kill, (os.getpid(), signal.SIGTERM)
    )  # stops a runner that never exits
    watchdog.start()
    started = time.monotonic()
    try:
        with caplog.at_level("ERROR", logger="wirestream.runner"), pytest.raises(SystemExit) as stopped:
            run_worker(topology, settings)
    finally:
        watchdog.cancel()
    elapsed = time.monotonic() - started
    _logs(secure_broker, "denied").mkdir(parents=True, exist_ok=True)
    (_logs(secure_broker, "denied") / "cleaner.log").write_text(caplog.text + str(stopped.value))
    message = str(stopped.value.code)
    assert "Kafka authorization failed" in message and "TopicAuthorizationFailed" in message, message
    assert kafka.topic(ENRICHED) in message and "'cleaner'" in message, message
    assert REGISTRY.get_sample_value("wirestream_kafka_errors_total", sample) == before + 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("authorization failed" in e and kafka.topic(ENRICHED) in e for e in errors), errors
    assert elapsed < 45, f"took {elapsed:.1f}s"
    admin = secure_broker.client(ADMIN, topic_prefix=prefix)
    written = list(records(admin, [admin.topic(ENRICHED), admin.topic(CLEAN)], idle_timeout_s=1.0))
    assert written == [], "nothing of the denied transaction became visible"
    assert any(True for _ in records(admin, [admin.topic(RAW)], idle_timeout_s=1.0)), "the input was there"


def test_plaintext_and_unauthenticated_clients_are_refused(
    secure_broker: secure.SecureBrokerSettings,
) -> None:
    where = f"{secure_broker.host}:{secure_broker.port}"
    started = time.monotonic()
    assert not broker_answers(KafkaSettings(bootstrap_servers=where), timeout_s=2.0), "plaintext on TLS port"
    tls_only = KafkaSettings(
        bootstrap_servers=where, security_protocol="SSL", ssl_cafile=str(secure_broker.ca_file)
    )
    assert not broker_answers(tls_only, timeout_s=2.0), "TLS without SASL"
    assert time.monotonic() - started < 15
    assert broker_answers(secure_broker.kafka(), timeout_s=5.0), "the admin principal is served"


def test_rotating_a_password_refuses_the_old_one(secure_broker: secure.SecureBrokerSettings) -> None:
    old = secure_broker.client("tagger")
    check_credentials(old)
    env_file = secure.rotate(secure_broker, "tagger")
    new = secure_broker.client("tagger")
    assert new.sasl_password is not None and old.sasl_password != new.sasl_password
    assert f"WIRESTREAM_KAFKA_SASL_PASSWORD={new.sasl_password.get_secret_value()}" in env_file.read_text()
    check_credentials(new)

    def old_refused() -> bool:
        try:
            check_credentials(old, cached=False)  # a new login each time
        except KafkaAuthError:
            return True
        return False

    poll_until(old_refused, deadline_s=15.0, what="the old password refused")


def test_secrets_are_files_of_mode_0600_and_never_logged(secure_broker: secure.SecureBrokerSettings) -> None:
    for path in [secure_broker.credentials_file, *(secure_broker.env_file(p) for p in PRINCIPALS)]:
        assert path.stat().st_mode & 0o777 == 0o600, path
    # runs last: the broker's log and those of every worker and command the tests above started
    logs = [secure_broker.log_file, *sorted((secure_broker.home / "logs").rglob("*.log"))]
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    assert "SASL_SSL" in text, "the broker's log is among them"
    for secret in secure_broker.credentials().secrets():
        assert secret not in text, "a generated secret appears in a log"
