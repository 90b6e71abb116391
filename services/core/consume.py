"""Reading topics with kafka-python: ``wirestream tail`` and the tests' and demo's collectors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.core.kafka import check_credentials
from services.core.settings import KafkaSettings


@dataclass(frozen=True)
class Record:
    """One consumed message, decoded as JSON when it is JSON."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: Any


def decode_value(raw: bytes | None) -> Any:
    """A message value as JSON when it is JSON, else as text (None for a tombstone)."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def open_consumer(
    kafka: KafkaSettings,
    topics: list[str],
    *,
    from_beginning: bool,
    client_id: str = "wirestream-tail",
    **options: Any,
) -> Any:
    """Return a group-less ``read_committed`` consumer assigned to every partition of the topics."""
    check_credentials(kafka)  # a rejected login: one clear KafkaAuthError, not a bootstrap timeout
    consumer = KafkaConsumer(
        client_id=client_id,
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed",  # outputs are written in transactions
        **options,
        **kafka.kafka_python_kwargs(),
    )
    partitions: list[Any] = []
    for topic in topics:
        found = consumer.partitions_for_topic(topic)
        if not found:
            consumer.close()
            raise LookupError(f"topic {topic} does not exist")
        partitions.extend(TopicPartition(topic, p) for p in sorted(found))
    consumer.assign(partitions)
    if from_beginning:
        consumer.seek_to_beginning()
    else:
        consumer.seek_to_end()
    return consumer


def records(
    kafka: KafkaSettings,
    topics: list[str],
    *,
    from_beginning: bool = True,
    idle_timeout_s: float | None = None,
    deadline_s: float | None = None,
) -> Iterator[Record]:
    """Yield records of the topics until idle for ``idle_timeout_s`` or past ``deadline_s``."""
    consumer = open_consumer(kafka, topics, from_beginning=from_beginning)
    start = last = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            if deadline_s is not None and now - start > deadline_s:
                return
            if idle_timeout_s is not None and now - last > idle_timeout_s:
                return
            batch = consumer.poll(timeout_ms=200)
            for tp_records in batch.values():
                for msg in tp_records:
                    last = time.monotonic()
                    key = msg.key.decode("utf-8", "replace") if msg.key is not None else None
                    yield Record(msg.topic, msg.partition, msg.offset, key, decode_value(msg.value))
    finally:
        consumer.close()


def _describe(record: Record) -> str:
    value = record.value if isinstance(record.value, dict) else {}
    reason = (
        f" {value.get('stage')}:{value.get('reason')} {value.get('error', '')[:200]}"
        if "reason" in value
        else ""
    )
    return f"{record.topic}[{record.partition}]@{record.offset} key={record.key}{reason}"


def collect_until(
    kafka: KafkaSettings,
    topics: list[str],
    done: Callable[[list[Record]], bool],
    *,
    deadline_s: float,
) -> list[Record]:
    """Read topics from the beginning until ``done(records)`` holds; TimeoutError after the deadline."""
    seen: list[Record] = []
    consumer = open_consumer(kafka, topics, from_beginning=True)
    deadline = time.monotonic() + deadline_s
    try:
        while not done(seen):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"condition not met after {deadline_s:.0f}s; {len(seen)} records read: "
                    + "; ".join(_describe(r) for r in seen[:10])
                )
            for tp_records in consumer.poll(timeout_ms=200).values():
                for msg in tp_records:
                    key = msg.key.decode("utf-8", "replace") if msg.key is not None else None
                    seen.append(Record(msg.topic, msg.partition, msg.offset, key, decode_value(msg.value)))
        return seen
    finally:
        consumer.close()
