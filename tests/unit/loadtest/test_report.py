"""The load-test report from a synthetic run: fields, latency, completeness, JSON and PNG."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.core.consume import Record
from services.loadtest import report
from services.loadtest.runner import RunConfig, RunResult, Sent

PREFIX = "t."
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _event(article_id: str, at: datetime, status: str = "unique", parts: int = 1) -> dict[str, object]:
    stamps = {
        "ingested": at.isoformat(),
        "cleaned": (at + timedelta(milliseconds=10)).isoformat(),
        "tagged": (at + timedelta(milliseconds=40)).isoformat(),
        "deduped": (at + timedelta(milliseconds=45)).isoformat(),
    }
    return {
        "article_id": article_id,
        "source": {"uri": "x", "parts": parts},
        "timestamps": stamps,
        "duplicate": {"status": status},
    }


def _run() -> RunResult:
    config = RunConfig(rate=2.0, duration_s=5.0, groups={"t.wirestream-cleaner": "t.articles.raw.v1"})
    result = RunResult(config, PREFIX)
    base = T0.timestamp()
    for i in range(10):
        result.sent.append(Sent(f"a{i}", i, "unique", "en", base + i * 0.5))
    for i in range(9):  # a9 never comes out
        at = T0 + timedelta(seconds=i * 0.5)
        topic = PREFIX + ("articles.duplicates.v1" if i == 3 else "articles.enriched.v1")
        value = _event(f"a{i}", at, "exact" if i == 3 else "unique")
        result.outputs.append((base + i * 0.5 + 0.1, Record(topic, 0, i, f"a{i}", value)))
    dead = {"article_id": "a8", "stage": "tagger", "reason": "processing_error"}
    result.outputs.append((base + 4.2, Record(PREFIX + "articles.dlq.v1", 0, 0, "a8", dead)))
    result.outputs.append((base + 1.0, Record(PREFIX + "articles.enriched.v1", 0, 9, "zz", _event("zz", T0))))
    result.lag = [(base + t, {"t.wirestream-cleaner": 1}) for t in range(6)]
    result.produce_end = base + 4.5
    result.ended = base + 6.0
    result.missing = {"a9"}
    result.drained = False
    return result


def test_summary_fields() -> None:
    summary = report.summarize(_run())
    assert summary["produced"] == 10
    assert summary["completed"] == 9
    assert summary["lost"] == 1 and summary["lost_sample"] == ["a9"]
    assert summary["nothing_lost"] is False and summary["sustained"] is False
    assert summary["outputs"] == {"enriched": 8, "duplicates": 1, "dlq": 1}
    assert summary["dlq_reasons"] == {"tagger:processing_error": 1}
    assert summary["statuses"] == {"unique": 8, "exact": 1}
    assert summary["latency_s"]["count"] == 9
    assert summary["latency_s"]["p50"] == 0.1
    assert summary["stage_latency_s"]["cleaned_to_tagged"]["p50"] == 0.03
    assert summary["lag"]["max_by_group"] == {"t.wirestream-cleaner": 1}
    assert summary["lag"]["growth"]["grows"] is False
    assert len(summary["series"]["sent"]) == len(summary["series"]["out"]) > 0
    assert "NOT sustained" in report.describe(summary)


def test_steady_latency_leaves_out_the_articles_sent_during_the_warmup() -> None:
    run = _run()
    # a0 and a1 (sent at 0 and 0.5 s) come out 3 s late: a cold start, not the steady state
    for n, (received, record) in enumerate(run.outputs):
        if record.key in ("a0", "a1"):
            run.outputs[n] = (received + 3.0, record)
    summary = report.summarize(run, warmup_s=1.0)
    assert summary["latency_s"]["max"] == 3.1
    assert summary["latency_steady_s"]["warmup_s"] == 1.0
    assert summary["latency_steady_s"]["count"] == summary["latency_s"]["count"] - 2
    assert summary["latency_steady_s"]["max"] == 0.1


def test_json_and_chart(tmp_path: Path) -> None:
    summary = report.summarize(_run())
    path = report.write_json(summary, tmp_path / "r" / "run.json")
    assert json.loads(path.read_text())["produced"] == 10
    chart = report.write_chart(summary, tmp_path / "r" / "run.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
