"""WARC crawls and RSS/Atom feeds replayed through the real pipeline: every record comes out as expected.

replay → cleaner → tagger → deduper as worker processes; the enriched, duplicates and DLQ topics are
read with ``read_committed`` and compared with tests/data/ingest/formats_expected.json (the manifest
the offline test checks too).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from services.core.consume import Record, collect_until
from services.core.models import DeadLetter, EnrichedArticle
from services.core.settings import DLQ, DUPLICATES, ENRICHED, KafkaSettings
from services.replay.producer import ReplaySettings, replay
from services.supervise import STAGES, Accounting, WorkerProcess
from tests.unit.core.test_ingest_formats import (
    INGEST,
    MANIFEST,
    ROOTS,
    article_fields,
    big_warc,
    expected_article,
    key,
    letter_problems,
)


def _at_replay(records: list[Record]) -> list[DeadLetter]:
    return [
        DeadLetter.model_validate(r.value)
        for r in records
        if isinstance(r.value, dict) and r.value.get("stage") == "replay"
    ]


def test_every_record_of_every_format_comes_out_through_the_broker(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    start_workers(*STAGES, extra_env={"WIRESTREAM_TAGGER_EMBEDDING_BACKEND": "none"})
    summary = replay(ROOTS, ReplaySettings(kafka=kafka), progress=False)
    assert summary.failed == 0, summary.errors
    assert (summary.produced, summary.dead_lettered) == (
        len(MANIFEST["articles"]),
        len(MANIFEST["dead_letters"]),
    )
    assert dict(summary.skipped) == MANIFEST["skipped"]
    assert f"skipped {sum(MANIFEST['skipped'].values())} records that are not articles" in summary.describe()
    accounting = Accounting(raw_ids=set(summary.article_ids))

    def done(records: list[Record]) -> bool:
        return accounting.complete(records) and len(_at_replay(records)) >= summary.dead_lettered

    topics = [kafka.topic(t) for t in (ENRICHED, DUPLICATES, DLQ)]
    records = collect_until(kafka, topics, done, deadline_s=240)

    enriched = [EnrichedArticle.model_validate(r.value) for r in records if r.topic == kafka.topic(ENRICHED)]
    got = {key(a.source.uri, a.source.record_id): article_fields(a) for a in enriched}
    assert len(got) == len(enriched), "one article per record"
    assert got == {name: expected_article(name) for name in MANIFEST["articles"]}
    assert not [r for r in records if r.topic == kafka.topic(DUPLICATES)]
    letters = [DeadLetter.model_validate(r.value) for r in records if r.topic == kafka.topic(DLQ)]
    assert all(d.stage == "replay" for d in letters), [(d.stage, d.reason, d.error) for d in letters]
    by_key = {key(d.source.uri, d.source.record_id): d for d in letters if d.source}
    assert set(by_key) == set(MANIFEST["dead_letters"]) and len(letters) == len(by_key)
    assert [p for name, letter in by_key.items() for p in letter_problems(name, letter)] == []


def test_a_crawl_record_over_the_message_limit_is_a_dead_letter_and_the_replay_goes_on(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    small = kafka.model_copy(update={"max_message_bytes": 64 * 1024})
    big = tmp_path / "big.warc"
    big_warc(big, records=2, body_bytes=100 * 1024)  # two responses over the 64 KiB limit
    summary = replay([big, INGEST / "warc" / "news.warc.gz"], ReplaySettings(kafka=small), progress=False)
    assert (summary.produced, summary.dead_lettered, summary.failed) == (3, 2, 0)
    records = collect_until(kafka, [kafka.topic(DLQ)], lambda r: len(r) >= 2, deadline_s=30)
    letters = sorted(_at_replay(records), key=lambda d: str(d.source and d.source.record_id))
    assert [(d.reason, d.source and d.source.record_id) for d in letters] == [
        ("payload_too_large", "record-1"),
        ("payload_too_large", "record-2"),
    ]
    assert all(d.source and d.source.uri == "big.warc" and d.source.url for d in letters)
    assert all("over 65536 bytes" in d.error for d in letters)
