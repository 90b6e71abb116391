"""Driving a running pipeline: produce variants at a rate, collect the outputs, sample consumer lag.

I/O lives here (kafka-python); the statistics are in ``measure`` and the report in ``report``.
The producer is the replay producer's (``make_producer``, ``Pacer``); a background thread reads
``articles.enriched.v1``, ``articles.duplicates.v1`` and ``articles.dlq.v1`` from their end
offsets, and another samples every stage group's lag (end offset − committed offset) each second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError
from tqdm import tqdm

from services.core.consume import Record, decode_value, open_consumer
from services.core.ingest import Payload, new_article_id, to_raw
from services.core.kafka import admin_client, ensure_topics
from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, RAW, TAGGED, KafkaSettings
from services.core.stage import encode
from services.loadtest.generator import Variant
from services.replay.producer import Pacer, ReplaySettings, make_producer
from services.supervise import Accounting

SOURCES = {"cleaner": RAW, "tagger": CLEAN, "deduper": TAGGED}


def stage_groups(kafka: KafkaSettings, services: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return {consumer group: full source topic} of the stage workers (or of ``services``)."""
    return {kafka.group(name): kafka.topic(src) for name, src in (services or SOURCES).items()}


@dataclass
class RunConfig:
    """How to drive one load-test run; ``rate`` None means as fast as possible."""

    rate: float | None
    duration_s: float | None = None
    count: int | None = None
    drain_timeout_s: float = 60.0
    sample_interval_s: float = 1.0
    progress: bool = True
    groups: Mapping[str, str] | None = None
    label: str = "loadtest"
    outputs: tuple[str, ...] = (ENRICHED, DUPLICATES, DLQ)


@dataclass(frozen=True)
class Sent:
    """One produced article: its id, the variant it carries and when it was sent (epoch seconds)."""

    article_id: str
    index: int
    kind: str
    lang: str
    at: float


@dataclass
class RunResult:
    """Everything observed during one run, for ``report.summarize``."""

    config: RunConfig
    topic_prefix: str
    sent: list[Sent] = field(default_factory=list)
    outputs: list[tuple[float, Record]] = field(default_factory=list)
    lag: list[tuple[float, dict[str, int | None]]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    produce_end: float = 0.0
    ended: float = 0.0
    drained: bool = False


class OutputCollector(threading.Thread):
    """Reads the output topics from their current end in the background, stamping arrival times."""

    def __init__(self, kafka: KafkaSettings, outputs: tuple[str, ...] = (ENRICHED, DUPLICATES, DLQ)) -> None:
        super().__init__(name="loadtest-collector", daemon=True)
        topics = [kafka.topic(t) for t in outputs]
        self.consumer = open_consumer(kafka, topics, from_beginning=False)
        for tp in self.consumer.assignment():
            self.consumer.position(tp)  # resolve the end offsets now, before anything is produced
        self.items: list[tuple[float, Record]] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        """Poll until stopped; every record is appended with its arrival time."""
        try:
            while not self.stopping.is_set():
                for tp_records in self.consumer.poll(timeout_ms=200).values():
                    now = time.time()
                    for msg in tp_records:
                        key = msg.key.decode("utf-8", "replace") if msg.key is not None else None
                        record = Record(msg.topic, msg.partition, msg.offset, key, decode_value(msg.value))
                        self.items.append((now, record))
        except BaseException as exc:  # reported by the runner
            self.error = exc
        finally:
            self.consumer.close()

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self.stopping.set()
        self.join(timeout=10)


class LagSampler(threading.Thread):
    """Samples each group's lag (source end offsets − committed offsets) every interval."""

    def __init__(self, kafka: KafkaSettings, groups: Mapping[str, str], interval_s: float = 1.0) -> None:
        super().__init__(name="loadtest-lag", daemon=True)
        self.admin = admin_client(kafka)
        self.groups = dict(groups)
        self.interval_s = interval_s
        self.samples: list[tuple[float, dict[str, int | None]]] = []
        self.stopping = threading.Event()
        topics = sorted(set(self.groups.values()))
        meta = self.admin.describe_topics(topics)
        self.partitions = {
            t["name"]: [TopicPartition(t["name"], p["partition_index"]) for p in t["partitions"]]
            for t in meta
        }
        everything = [tp for tps in self.partitions.values() for tp in tps]
        earliest = self.admin.list_partition_offsets(dict.fromkeys(everything, OffsetSpec.EARLIEST))
        self.earliest = {tp: int(o.offset) for tp, o in earliest.items()}

    def sample(self) -> dict[str, int | None]:
        """Return the current lag of every group (None when it could not be read)."""
        everything = [tp for tps in self.partitions.values() for tp in tps]
        try:
            ends = self.admin.list_partition_offsets(dict.fromkeys(everything, OffsetSpec.LATEST))
            committed = self.admin.list_group_offsets(list(self.groups))
        except KafkaError:
            return dict.fromkeys(self.groups)
        lags: dict[str, int | None] = {}
        for group, topic in self.groups.items():
            offsets = committed.get(group) or {}
            total = 0
            for tp in self.partitions.get(topic, []):
                done = offsets.get(tp)
                position = done.offset if done is not None and done.offset >= 0 else self.earliest[tp]
                total += max(0, int(ends[tp].offset) - int(position))
            lags[group] = total
        return lags

    def run(self) -> None:
        """Sample until stopped."""
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                self.samples.append((time.time(), self.sample()))
                self.stopping.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
        finally:
            self.admin.close()

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self.stopping.set()
        self.join(timeout=10)


def _total_lag(samples: list[tuple[float, dict[str, int | None]]]) -> str:
    if not samples:
        return "?"
    values = samples[-1][1].values()
    return "?" if any(v is None for v in values) else str(sum(v or 0 for v in values))


def run(kafka: KafkaSettings, variants: Iterable[Variant], config: RunConfig) -> RunResult:
    """Produce variants (paced, bounded by duration/count), then wait until every article came out."""
    ensure_topics(kafka)
    result = RunResult(config, kafka.topic_prefix)
    if config.groups is None:
        config.groups = stage_groups(kafka)
    collector = OutputCollector(kafka, config.outputs)
    sampler = LagSampler(kafka, config.groups, config.sample_interval_s)
    producer = make_producer(kafka, ReplaySettings(kafka=kafka))
    accounting = Accounting(raw_ids=set())
    collector.start()
    sampler.start()
    total = config.count or (
        int(config.rate * config.duration_s) if config.rate and config.duration_s else None
    )
    bar = tqdm(total=total, unit="art", disable=not config.progress, desc=config.label)
    try:
        _produce(producer, kafka, variants, config, result, accounting, collector, sampler, bar)
        bar.close()
        bar = tqdm(total=len(result.sent), unit="art", disable=not config.progress, desc="drain")
        result.drained = _drain(accounting, collector, config.drain_timeout_s, bar)
    finally:
        bar.close()
        producer.close()
        sampler.stop()
        collector.stop()
    if collector.error is not None:
        raise RuntimeError(f"the output collector failed: {collector.error!r}") from collector.error
    result.ended = time.time()
    result.outputs = list(collector.items)
    result.lag = list(sampler.samples)
    result.missing = accounting.missing()
    return result


def _produce(
    producer: Any,
    kafka: KafkaSettings,
    variants: Iterable[Variant],
    config: RunConfig,
    result: RunResult,
    accounting: Accounting,
    collector: OutputCollector,
    sampler: LagSampler,
    bar: Any,
) -> None:
    topic = kafka.topic(RAW)
    pacer = Pacer(config.rate)
    limit = config.count
    if limit is None and config.rate and config.duration_s:
        limit = int(config.rate * config.duration_s)
    started = time.monotonic()
    next_note = started
    for variant in variants:
        if limit is not None and len(result.sent) >= limit:
            break
        if config.duration_s is not None and time.monotonic() - started >= config.duration_s:
            break
        pacer.wait()
        now = datetime.now(UTC)
        article_id = new_article_id(variant.uri)
        payload = Payload(variant.uri, None, variant.text.encode("utf-8"), "text/plain")
        accounting.raw_ids.add(article_id)
        # keyed by article, not by source_key: every variant has one synthetic source, which would
        # put the whole load on one partition; generated text has no site chrome to learn
        producer.send(topic, key=article_id.encode(), value=encode(to_raw(payload, article_id, now)))
        result.sent.append(Sent(article_id, variant.index, variant.kind, variant.lang, now.timestamp()))
        bar.update(1)
        if time.monotonic() >= next_note:
            next_note = time.monotonic() + 0.5
            bar.set_postfix(out=len(collector.items), lag=_total_lag(sampler.samples), refresh=False)
    producer.flush()
    result.produce_end = time.time()


def _drain(accounting: Accounting, collector: OutputCollector, timeout_s: float, bar: Any) -> bool:
    """Account for outputs until every sent article is accounted for, or the timeout."""
    deadline = time.monotonic() + timeout_s
    seen = 0
    expected = len(accounting.raw_ids)
    while True:
        batch = collector.items[seen:]  # a snapshot: the collector keeps appending meanwhile
        for _, record in batch:
            accounting.add(record)
        seen += len(batch)
        missing = len(accounting.missing())
        bar.n = expected - missing
        bar.refresh()
        if not missing:
            return True
        if time.monotonic() > deadline or collector.error is not None:
            return False
        time.sleep(0.2)
