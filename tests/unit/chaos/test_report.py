"""The chaos report's series, summary text and PNG timeline from a synthetic report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.chaos import report


def _report() -> dict[str, Any]:
    events = [
        {"t": 1.0, "rel_s": 5.0, "kind": "kill", "stage": "tagger", "instance": 0},
        {"t": 1.0, "rel_s": 9.0, "kind": "ready", "stage": "tagger", "instance": 0, "start": 2},
        {"t": 1.0, "rel_s": 12.0, "kind": "broker_kill"},
        {"t": 1.0, "rel_s": 18.0, "kind": "broker_restart"},
        {"t": 1.0, "rel_s": 20.0, "kind": "fault", "what": "scale_up", "stage": "cleaner", "instance": 1},
    ]
    lag = [{"t": float(t), "p.wirestream-cleaner": t % 5, "p.wirestream-tagger": None} for t in range(30)]
    return {
        "run_id": "20260101T000000Z",
        "seed": 3,
        "ok": False,
        "sent": {"articles": 30},
        "delivery": {
            "lost": 0,
            "doubled": 2,
            "extra_copies": 2,
            "doubled_with_conflicting_status": 0,
            "extra": 0,
            "produce_failed": 0,
            "by_topic": {"enriched": 32},
        },
        "consistency": {
            "violations": 0,
            "dangling_of": 0,
            "dangling_story": 0,
            "self_of": 0,
            "mutual": 0,
            "cycles": 0,
            "malformed": 0,
        },
        "offline_agreement": {"rate": 0.9, "agreed": 27, "compared": 30, "disagreements": 3},
        "schedule": {"planned": [{}, {}], "executed": [{}, {}], "counts": {"kill_broker": 1}},
        "drained": True,
        "settled": True,
        "read_complete": True,
        "throughput": {"delivered_per_s": 1.0},
        "duration_s": 31.0,
        "phases_s": {"total_s": 31.0},
        "events": events,
        "series": {"origin": 0.0, "sent_per_s": [1] * 30, "enriched_per_s": [1] * 30, "lag": lag},
    }


def test_per_second_bins() -> None:
    assert report.per_second([10.0, 10.5, 12.9, 9.0, 20.0], 10.0, 13.0) == [2, 0, 1, 0]


def test_describe_names_the_figures() -> None:
    text = report.describe(_report())
    assert "lost 0, doubled 2" in text and "offline agreement 90.00%" in text
    assert text.endswith("RESULT: NOT exactly once")


def test_json_and_chart_are_written(tmp_path: Path) -> None:
    data = _report()
    path = report.write_json(data, tmp_path / "r" / "chaos.json")
    assert path.read_text().startswith("{")
    chart = report.write_chart(data, path.with_suffix(".png"))
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_marks_pick_fault_events_only() -> None:
    kinds = [report._mark(e) for e in _report()["events"]]
    assert kinds == ["kill", "ready", "broker_kill", "broker_restart", "scale"]
    assert report._mark({"kind": "ready", "start": 1}) is None
    assert report._mark({"kind": "progress"}) is None
