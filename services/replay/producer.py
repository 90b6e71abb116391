"""The replay producer: article files onto ``articles.raw.v1`` at a chosen rate, looped (kafka-python)."""

from __future__ import annotations

import contextlib
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from tqdm import tqdm

from services.cleaner.memory import source_key
from services.core.ingest import (
    BadRecord,
    Payload,
    dead_letter_of,
    describe_skipped,
    find_files,
    new_article_id,
    read_payloads,
    to_raw,
)
from services.core.kafka import ensure_topics
from services.core.outcomes import Rejection
from services.core.settings import DLQ, RAW, KafkaSettings
from services.core.stage import encode

# Kafka's record batch header and record framing: what a value may use of the message limit.
RECORD_OVERHEAD = 1024


class ReplaySettings(BaseSettings):
    """Settings of the replay producer (env prefix ``WIRESTREAM_REPLAY_``)."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_REPLAY_", extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    linger_ms: int = 5
    compression_type: str | None = None
    create_topics: bool = True


@dataclass
class ReplaySummary:
    """What a replay produced: counted when the broker acknowledged, never when merely sent."""

    produced: int = 0
    dead_lettered: int = 0
    failed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    article_ids: list[str] = field(default_factory=list)
    by_file: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # records that are not articles, by kind

    def acknowledged(self, article_id: str, uri: str, size: int) -> None:
        """Count one record the broker acknowledged."""
        self.produced += 1
        self.bytes += size
        self.article_ids.append(article_id)
        self.by_file[uri] += 1

    def rejected(self, article_id: str, exc: BaseException) -> None:
        """Count one record the broker did not take."""
        self.failed += 1
        if len(self.errors) < 20:
            self.errors.append(f"{article_id}: {exc!r}")

    def describe(self) -> str:
        """Return a one-line summary."""
        rate = self.produced / self.seconds if self.seconds > 0 else 0.0
        failed = f"; {self.failed} FAILED to send ({'; '.join(self.errors[:3])})" if self.failed else ""
        return (
            f"replayed {self.produced} articles ({self.bytes / 1024:.1f} KiB) from "
            f"{len(self.by_file)} sources in {self.seconds:.2f}s ({rate:.1f}/s); "
            f"{self.dead_lettered} unreadable or oversized records sent to the DLQ{failed}"
            f"{describe_skipped(self.skipped)}"
        )


class Pacer:
    """Spaces sends to a target rate (messages per second); rate None or 0 means unlimited."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        """Block until the next send is due."""
        if not self.interval:
            return
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next_at = max(self.next_at + self.interval, time.monotonic() - self.interval)


def make_producer(kafka: KafkaSettings, settings: ReplaySettings) -> Any:
    """Return an idempotent kafka-python producer with acks=all."""
    return KafkaProducer(
        client_id="wirestream-replay",
        enable_idempotence=True,
        acks="all",
        linger_ms=settings.linger_ms,
        compression_type=settings.compression_type,
        max_request_size=kafka.max_message_bytes,
        **kafka.kafka_python_kwargs(),
    )


def replay(
    paths: list[Path],
    settings: ReplaySettings,
    *,
    rate: float | None = None,
    loops: int = 1,
    limit: int | None = None,
    progress: bool = True,
) -> ReplaySummary:
    """Produce every payload under ``paths`` ``loops`` times (new article ids each time), streamed."""
    kafka = settings.kafka
    find_files(paths)  # a missing path fails before anything is sent
    if settings.create_topics:
        ensure_topics(kafka)
    producer = make_producer(kafka, settings)
    summary = ReplaySummary()
    pacer = Pacer(rate)
    started = time.monotonic()
    bar = tqdm(total=limit, unit="art", disable=not progress, desc="replay")
    inflight: Inflight = deque()
    try:
        sent = 0
        for _ in range(loops):
            if limit is not None and sent >= limit:
                break
            # read again each loop, record by record: a 1 GB crawl is never held in memory
            items = read_payloads(paths, max_record_bytes=kafka.max_message_bytes, skipped=summary.skipped)
            for item in items:
                if limit is not None and sent >= limit:
                    break
                pacer.wait()
                _send(producer, kafka, item, summary, inflight)
                sent += 1
                bar.update(1)
        with contextlib.suppress(KafkaError):  # a failed batch: its futures tell which records
            producer.flush(timeout=120)
        while inflight:
            _settle(inflight.popleft(), summary, timeout_s=30.0)
    finally:
        bar.close()
        producer.close()
    summary.seconds = time.monotonic() - started
    return summary


def _send(
    producer: Any, kafka: KafkaSettings, item: Payload | BadRecord, summary: ReplaySummary, inflight: Inflight
) -> None:
    now = datetime.now(UTC)
    if isinstance(item, BadRecord):
        _dead_letter(producer, kafka, item, now, summary)
        return
    article_id = new_article_id(item.uri, item.record_id)
    raw = to_raw(item, article_id, now)
    value = encode(raw)
    if len(value) > kafka.max_message_bytes - RECORD_OVERHEAD:
        error = (
            f"the record is {len(value)} bytes, over the {kafka.max_message_bytes}-byte message limit "
            "(WIRESTREAM_KAFKA_MAX_MESSAGE_BYTES)"
        )
        bad = BadRecord(item.uri, item.record_id, item.data, Rejection("payload_too_large", error))
        _dead_letter(producer, kafka, bad, now, summary)
        return
    # keyed by source: one source's articles share a partition, so the cleaner's per-source
    # learned boilerplate lives in one task (services/cleaner/memory.py)
    future = producer.send(kafka.topic(RAW), key=source_key(raw.source).encode(), value=value)
    inflight.append((future, article_id, item.uri, len(value)))
    while inflight and inflight[0][0].is_done:
        _settle(inflight.popleft(), summary)


Inflight = deque[tuple[Any, str, str, int]]


def _settle(sent: tuple[Any, str, str, int], summary: ReplaySummary, timeout_s: float = 0.0) -> None:
    """Count one send by its outcome: acknowledged by the broker, or failed (with the error)."""
    future, article_id, uri, size = sent
    try:
        future.get(timeout=timeout_s)
    except Exception as exc:  # the broker refused it, or it timed out: counted, never as produced
        summary.rejected(article_id, exc)
        return
    summary.acknowledged(article_id, uri, size)


def _dead_letter(
    producer: Any, kafka: KafkaSettings, bad: BadRecord, now: datetime, summary: ReplaySummary
) -> None:
    # base64 grows a kept payload by a third: keep the dead letter well inside the message limit
    record = dead_letter_of(bad, now, max_bytes=min(64 * 1024, kafka.max_message_bytes // 2))
    key = f"{bad.uri}#{bad.record_id}"
    producer.send(kafka.topic(DLQ), key=key.encode(), value=encode(record)).get(timeout=30)
    summary.dead_lettered += 1
