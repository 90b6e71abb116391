"""The replay producer: article files onto ``articles.raw.v1`` at a chosen rate, looped (kafka-python)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from tqdm import tqdm

from services.core.ingest import (
    BadRecord,
    Payload,
    dead_letter_of,
    new_article_id,
    read_payloads,
    to_raw,
)
from services.core.kafka import ensure_topics
from services.core.settings import DLQ, RAW, KafkaSettings
from services.core.stage import encode


class ReplaySettings(BaseSettings):
    """Settings of the replay producer (env prefix ``WIRESTREAM_REPLAY_``)."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_REPLAY_", extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    linger_ms: int = 5
    compression_type: str | None = None
    create_topics: bool = True


@dataclass
class ReplaySummary:
    """What a replay produced."""

    produced: int = 0
    dead_lettered: int = 0
    bytes: int = 0
    seconds: float = 0.0
    article_ids: list[str] = field(default_factory=list)
    by_file: Counter[str] = field(default_factory=Counter)

    def describe(self) -> str:
        """Return a one-line summary."""
        rate = self.produced / self.seconds if self.seconds > 0 else 0.0
        return (
            f"replayed {self.produced} articles ({self.bytes / 1024:.1f} KiB) from "
            f"{len(self.by_file)} sources in {self.seconds:.2f}s ({rate:.1f}/s); "
            f"{self.dead_lettered} unreadable records sent to the DLQ"
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
    """Produce every payload under ``paths`` ``loops`` times (new article ids each time)."""
    kafka = settings.kafka
    if settings.create_topics:
        ensure_topics(kafka)
    payloads = list(read_payloads(paths))
    total = len(payloads) * loops if limit is None else min(limit, len(payloads) * loops)
    producer = make_producer(kafka, settings)
    summary = ReplaySummary()
    pacer = Pacer(rate)
    started = time.monotonic()
    bar = tqdm(total=total, unit="art", disable=not progress, desc="replay")
    try:
        sent = 0
        for _ in range(loops):
            for item in payloads:
                if sent >= total:
                    break
                pacer.wait()
                _send(producer, kafka, item, summary)
                sent += 1
                bar.update(1)
        producer.flush()
    finally:
        bar.close()
        producer.close()
    summary.seconds = time.monotonic() - started
    return summary


def _send(producer: Any, kafka: KafkaSettings, item: Payload | BadRecord, summary: ReplaySummary) -> None:
    now = datetime.now(UTC)
    if isinstance(item, BadRecord):
        record = dead_letter_of(item, now)
        key = f"{item.uri}#{item.record_id}"
        producer.send(kafka.topic(DLQ), key=key.encode(), value=encode(record)).get(timeout=30)
        summary.dead_lettered += 1
        return
    article_id = new_article_id(item.uri, item.record_id)
    raw = to_raw(item, article_id, now)
    value = encode(raw)
    producer.send(kafka.topic(RAW), key=article_id.encode(), value=value)
    summary.produced += 1
    summary.bytes += len(value)
    summary.article_ids.append(article_id)
    summary.by_file[item.uri] += 1
