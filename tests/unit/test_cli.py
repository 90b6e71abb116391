"""The offline command: `wirestream process` writes enriched events and dead letters to files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import main
from tests.conftest import DATA, SEEDS


def test_process_writes_one_enriched_line_per_article_and_dead_letters(tmp_path: Path) -> None:
    out, dlq = tmp_path / "out.jsonl", tmp_path / "dlq.jsonl"
    code = main(["process", str(SEEDS), str(DATA / "ingest"), "--output", str(out), "--dlq-output", str(dlq)])
    assert code == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    letters = [json.loads(line) for line in dlq.read_text().splitlines()]
    assert len([e for e in events if e["source"]["uri"].startswith("0")]) == 6
    assert all(e["duplicate"]["status"] in {"unique", "near", "same_story", "exact"} for e in events)
    assert {d["reason"] for d in letters} >= {"invalid_record", "binary_payload"}


def test_rate_argument_accepts_per_second_suffix() -> None:
    from services.cli import _rate

    assert _rate("20/s") == 20.0
    assert _rate("2.5") == 2.5


def test_settings_that_disagree_stop_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WIRESTREAM_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("WIRESTREAM_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    assert main(["worker", "cleaner"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid settings" in err and "use SASL_SSL" in err
