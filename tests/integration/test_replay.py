"""The replay producer puts article files on the raw topic with fresh article ids, keyed by their source."""

from __future__ import annotations

import time
from pathlib import Path

from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import KafkaError

from services.cleaner.memory import source_key
from services.core.consume import collect_until
from services.core.kafka import admin_client
from services.core.models import DeadLetter, RawArticle
from services.core.settings import DLQ, RAW, KafkaSettings
from services.replay.producer import ReplaySettings, replay
from tests.conftest import DATA, SEEDS


def test_replay_seeds_twice_makes_new_ids_each_loop(kafka: KafkaSettings) -> None:
    summary = replay([SEEDS], ReplaySettings(kafka=kafka), loops=2, progress=False)
    assert summary.produced == 10
    records = collect_until(kafka, [kafka.topic(RAW)], lambda r: len(r) >= 10, deadline_s=30)
    events = [RawArticle.model_validate(r.value) for r in records]
    assert all(r.key == source_key(e.source) == "path:" for r, e in zip(records, events, strict=True))
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


def test_a_record_over_the_message_limit_is_a_dead_letter_and_the_replay_goes_on(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    small = kafka.model_copy(update={"max_message_bytes": 64 * 1024})
    big = tmp_path / "big.txt"
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text()
    big.write_text((seed + "\n\n") * 40)  # ~90 KiB, over the 64 KiB limit
    assert big.stat().st_size > 64 * 1024
    summary = replay([big, *sorted(SEEDS.glob("*.txt"))[:2]], ReplaySettings(kafka=small), progress=False)
    assert (summary.produced, summary.dead_lettered, summary.failed) == (2, 1, 0)
    (record,) = collect_until(kafka, [kafka.topic(DLQ)], lambda r: len(r) >= 1, deadline_s=30)
    letter = DeadLetter.model_validate(record.value)
    assert (letter.stage, letter.reason) == ("replay", "payload_too_large")
    assert letter.source is not None and letter.source.uri == "big.txt" and letter.payload_truncated


def test_a_send_the_broker_rejects_is_counted_as_failed_not_produced(kafka: KafkaSettings) -> None:
    admin = admin_client(kafka)
    try:  # the topic takes 1 KiB records; the client believes 4 MiB: the broker says no
        resource = ConfigResource(
            ConfigResourceType.TOPIC, kafka.topic(RAW), configs={"max.message.bytes": "1024"}
        )
        admin.alter_configs([resource])
    finally:
        admin.close()
    _until_the_broker_refuses_2_kib(kafka, kafka.topic(RAW))
    summary = replay(sorted(SEEDS.glob("*.txt"))[:3], ReplaySettings(kafka=kafka), progress=False)
    assert (summary.produced, summary.failed) == (0, 3)
    assert summary.article_ids == [] and "FAILED" in summary.describe()


def _until_the_broker_refuses_2_kib(kafka: KafkaSettings, topic: str, deadline_s: float = 30.0) -> None:
    """Readiness of a topic config change: the broker applies it a moment after the admin call returns."""
    producer = KafkaProducer(max_request_size=4 * 1024 * 1024, retries=0, **kafka.kafka_python_kwargs())
    try:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            try:
                producer.send(topic, b"x" * 2048).get(timeout=10)
            except KafkaError:
                return  # refused: the 1 KiB limit is in force
        raise AssertionError(f"the broker still took 2 KiB records on {topic} after {deadline_s:.0f} s")
    finally:
        producer.close()
