"""A short real load test: three workers on the test's topics, every article out, report and chart."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.core.settings import KafkaSettings
from services.loadtest import cli, report, runner
from services.loadtest.generator import VariantGenerator
from tests.conftest import SEEDS

pytestmark = pytest.mark.integration


def test_loadtest_run_loses_nothing(
    kafka: KafkaSettings,
    start_workers: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start_workers("cleaner", "tagger", "deduper")

    # the runner directly: every produced article_id comes out (enriched, duplicate or dead letter)
    generator = VariantGenerator(cli.load_corpus([SEEDS]), seed=11, dup_ratio=0.3)
    config = runner.RunConfig(rate=8.0, duration_s=3.0, drain_timeout_s=120.0, progress=False)
    result = runner.run(kafka, generator, config)
    assert len(result.sent) == 24
    assert result.drained and not result.missing
    out_ids = {str(r.value.get("article_id")).split(".p")[0] for _, r in result.outputs}
    assert {s.article_id for s in result.sent} <= out_ids
    summary = report.summarize(result)
    assert summary["nothing_lost"] and summary["completed"] == 24
    assert summary["latency_s"]["count"] >= 24 - summary["dlq_count"]
    assert summary["produced_by_kind"].get("exact", 0) + summary["produced_by_kind"].get("near", 0) > 0

    # the command: same pipeline, JSON report with the fields and the PNG next to it
    monkeypatch.setenv("WIRESTREAM_KAFKA_TOPIC_PREFIX", kafka.topic_prefix)
    monkeypatch.setenv("WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers)
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    path = tmp_path / "lt" / "run.json"
    args = parser.parse_args(
        ["loadtest", "--rate", "6/s", "--duration", "3", "--seed", "2", "--lang-mix", "en=0.5,de=0.5",
         "--report", str(path), "--quiet", "--corpus", str(SEEDS)]
    )  # fmt: skip
    assert cli.run(args) == 0
    data = json.loads(path.read_text())
    for field in (
        "produced",
        "completed",
        "lost",
        "nothing_lost",
        "dlq_count",
        "throughput",
        "latency_s",
        "lag",
    ):
        assert field in data
    assert data["nothing_lost"] is True and data["produced"] == 18
    assert set(data["latency_s"]) >= {"p50", "p95", "p99", "max"}
    assert set(data["lag"]["max_by_group"]) == {kafka.group(s) for s in ("cleaner", "tagger", "deduper")}
    assert set(data["produced_by_lang"]) == {"en", "de"}
    assert path.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
