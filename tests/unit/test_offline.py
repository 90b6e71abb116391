"""The offline path runs the same stages in one process: seeds in, enriched events out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.core.models import DeadLetter, EnrichedArticle
from services.offline import OfflinePipeline, process
from tests.conftest import DATA, SEEDS


@pytest.fixture(scope="module")
def pipeline() -> OfflinePipeline:
    return OfflinePipeline()


def test_seeds_offline_give_one_event_per_article(tmp_path: Path) -> None:
    out, dlq = tmp_path / "out.jsonl", tmp_path / "dlq.jsonl"
    summary = process([SEEDS], out, dlq, OfflinePipeline())
    events = [EnrichedArticle.model_validate_json(line) for line in out.read_text().splitlines()]
    assert summary.payloads == 5
    assert summary.enriched == len(events) == 6  # the glued scrape 003 becomes two articles
    assert summary.dead_letters == 0 and dlq.read_text() == ""
    assert {e.language.code for e in events if e.language} == {"en", "de"}
    assert all(e.timestamps.deduped and e.timestamps.tagged for e in events)


def test_second_pass_marks_exact_duplicates_and_keeps_them(pipeline: OfflinePipeline) -> None:
    from services.core.ingest import read_payloads

    payloads = list(read_payloads([SEEDS]))
    first = [e for e in pipeline.run_payloads(payloads) if isinstance(e, EnrichedArticle)]
    second = [e for e in pipeline.run_payloads(payloads) if isinstance(e, EnrichedArticle)]
    assert len(second) == len(first)
    assert {e.duplicate.status for e in second} == {"exact"}
    first_ids = {e.article_id for e in first}
    assert {e.duplicate.of for e in second} <= first_ids
    assert not first_ids & {e.article_id for e in second}, "a new ingestion gets new ids"


def test_bad_records_become_dead_letters_with_provenance(pipeline: OfflinePipeline) -> None:
    from services.core.ingest import read_payloads

    events = list(pipeline.run_payloads(read_payloads([DATA / "ingest"])))
    letters = [e for e in events if isinstance(e, DeadLetter)]
    reasons = {(d.stage, d.reason) for d in letters}
    assert ("replay", "invalid_record") in reasons
    assert ("cleaner", "binary_payload") in reasons
    binary = next(d for d in letters if d.reason == "binary_payload")
    assert binary.source is not None and binary.source.uri == "image.bin.txt"
    assert json.loads(binary.payload)["encoding"] == "base64", "the raw event is kept whole"
