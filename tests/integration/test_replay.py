"""The replay producer puts article files on the raw topic, keyed by a fresh article id."""

from __future__ import annotations

from services.core.consume import collect_until
from services.core.models import DeadLetter, RawArticle
from services.core.settings import DLQ, RAW, KafkaSettings
from services.replay.producer import ReplaySettings, replay
from tests.conftest import DATA, SEEDS


def test_replay_seeds_twice_makes_new_ids_each_loop(kafka: KafkaSettings) -> None:
    summary = replay([SEEDS], ReplaySettings(kafka=kafka), loops=2, progress=False)
    assert summary.produced == 10
    records = collect_until(kafka, [kafka.topic(RAW)], lambda r: len(r) >= 10, deadline_s=30)
    events = [RawArticle.model_validate(r.value) for r in records]
    assert all(r.key == e.article_id for r, e in zip(records, events, strict=True))
    assert len({e.article_id for e in events}) == 10
    assert sorted(e.article_id for e in events) == sorted(summary.article_ids)
    uris = sorted(e.source.uri for e in events)
    assert uris == sorted([p.name for p in SEEDS.iterdir()] * 2)


def test_replay_limit_and_rate(kafka: KafkaSettings) -> None:
    summary = replay([SEEDS], ReplaySettings(kafka=kafka), loops=3, limit=7, rate=200.0, progress=False)
    assert summary.produced == 7
    records = collect_until(kafka, [kafka.topic(RAW)], lambda r: len(r) >= 7, deadline_s=30)
    assert len(records) == 7


def test_unreadable_jsonl_records_go_to_the_dlq(kafka: KafkaSettings) -> None:
    summary = replay([DATA / "ingest" / "records.jsonl"], ReplaySettings(kafka=kafka), progress=False)
    assert (summary.produced, summary.dead_lettered) == (3, 2)
    records = collect_until(kafka, [kafka.topic(DLQ)], lambda r: len(r) >= 2, deadline_s=30)
    letters = [DeadLetter.model_validate(r.value) for r in records]
    assert {d.reason for d in letters} == {"invalid_record"}
    assert {d.stage for d in letters} == {"replay"}
    assert "this line is not json" in {d.payload for d in letters}
    assert {d.source.record_id for d in letters if d.source} == {"line-3", "line-4"}
