"""Watching a chaos run through Kafka: outputs (read_committed), consumer lag, what is left to consume.

Every reader here tolerates the broker being killed: kafka-python consumers reconnect by
themselves, and the lag sampler records None and reconnects its admin client on the next sample.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import OffsetSpec

from services.chaos.verify import Out
from services.core.consume import decode_value, open_consumer
from services.core.kafka import admin_client
from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, RAW, TAGGED, KafkaSettings

SOURCES = {"cleaner": RAW, "tagger": CLEAN, "deduper": TAGGED}
OUTPUT_KINDS = {ENRICHED: "enriched", DUPLICATES: "duplicates", DLQ: "dlq"}


def output_kinds(kafka: KafkaSettings) -> dict[str, str]:
    """Return {full output topic name: enriched|duplicates|dlq}."""
    return {kafka.topic(t): kind for t, kind in OUTPUT_KINDS.items()}


def committed_consumer(kafka: KafkaSettings, topics: list[str], *, from_beginning: bool = True) -> Any:
    """Return a group-less ``read_committed`` consumer assigned to every partition of the topics."""
    # back soon after a broker restart (the default reconnect backoff grows to 30 s)
    return open_consumer(
        kafka,
        topics,
        from_beginning=from_beginning,
        client_id="wirestream-chaos",
        reconnect_backoff_max_ms=1000,
    )


class Collector(threading.Thread):
    """Reads the output topics from the beginning in the background, stamping each record's arrival."""

    def __init__(self, kafka: KafkaSettings) -> None:
        super().__init__(name="chaos-collector", daemon=True)
        self.kinds = output_kinds(kafka)
        self.consumer = committed_consumer(kafka, list(self.kinds))
        self.items: list[tuple[float, Out]] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        """Poll until stopped."""
        try:
            while not self.stopping.is_set():
                for tp, messages in self.consumer.poll(timeout_ms=200).items():
                    now = time.time()
                    kind = self.kinds[tp.topic]
                    self.items.extend((now, Out(kind, decode_value(m.value))) for m in messages)
        except BaseException as exc:  # reported by the run
            self.error = exc
        finally:
            self.consumer.close()

    def outs(self) -> list[Out]:
        """Return a snapshot of the records read so far."""
        return [out for _, out in list(self.items)]

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self.stopping.set()
        self.join(timeout=15)


def _group_partitions(admin: Any, kafka: KafkaSettings, groups: Mapping[str, str]) -> dict[str, Any]:
    """Per group: {partition: committed offset or 0} over its main source and every committed topic."""
    committed = admin.list_group_offsets(list(groups))
    meta = admin.describe_topics(sorted(set(groups.values())))
    main = {
        t["name"]: [TopicPartition(t["name"], p["partition_index"]) for p in t["partitions"]] for t in meta
    }
    result: dict[str, Any] = {}
    for group, topic in groups.items():
        offsets = dict.fromkeys(main.get(topic, []), 0)
        for tp, meta_offset in (committed.get(group) or {}).items():
            offsets[tp] = max(0, int(meta_offset.offset))
        result[group] = offsets
    return result


class LagSampler(threading.Thread):
    """Samples each group's lag (end offset − committed offset, over its source topics) every interval."""

    def __init__(self, kafka: KafkaSettings, groups: Mapping[str, str], interval_s: float = 1.0) -> None:
        super().__init__(name="chaos-lag", daemon=True)
        self.kafka = kafka
        self.groups = dict(groups)
        self.interval_s = interval_s
        self.samples: list[tuple[float, dict[str, int | None]]] = []
        self.stopping = threading.Event()
        self.admin: Any = None

    def sample(self) -> dict[str, int | None]:
        """Return the current lag of every group (None for all when the broker does not answer)."""
        try:
            if self.admin is None:
                self.admin = admin_client(self.kafka, timeout_s=2.0)
            per_group = _group_partitions(self.admin, self.kafka, self.groups)
            everything = {tp for offsets in per_group.values() for tp in offsets}
            ends = self.admin.list_partition_offsets(dict.fromkeys(everything, OffsetSpec.LATEST))
        except Exception:  # the broker is down or restarting: no sample, a fresh client next time
            self._close()
            return dict.fromkeys(self.groups)
        return {
            group: sum(max(0, int(ends[tp].offset) - done) for tp, done in offsets.items())
            for group, offsets in per_group.items()
        }

    def _close(self) -> None:
        if self.admin is not None:
            with contextlib.suppress(Exception):
                self.admin.close()
        self.admin = None

    def run(self) -> None:
        """Sample until stopped."""
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                self.samples.append((time.time(), self.sample()))
                self.stopping.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
        finally:
            self._close()

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self.stopping.set()
        self.join(timeout=15)


def stage_groups(kafka: KafkaSettings) -> dict[str, str]:
    """Return {consumer group: full main source topic} of the three stages."""
    return {kafka.group(stage): kafka.topic(source) for stage, source in SOURCES.items()}


def pending(kafka: KafkaSettings, groups: Mapping[str, str], deadline_s: float = 20.0) -> dict[str, int]:
    """Return per group how many committed input records lie past its committed offsets.

    Reads ``read_committed`` from each committed offset to the last stable offset, so transaction
    markers (which occupy offsets) and aborted records do not count as work left.
    """
    admin = admin_client(kafka, timeout_s=5.0)
    try:
        per_group = _group_partitions(admin, kafka, groups)
    finally:
        admin.close()
    topics = sorted({tp.topic for offsets in per_group.values() for tp in offsets})
    consumer = committed_consumer(kafka, topics, from_beginning=False)
    try:
        ends = consumer.end_offsets(list(consumer.assignment()))
        left: dict[str, int] = {}
        for group, offsets in per_group.items():
            behind = {tp: done for tp, done in offsets.items() if ends.get(tp, 0) > done}
            left[group] = _count_between(consumer, behind, ends, deadline_s)
        return left
    finally:
        consumer.close()


def _count_between(
    consumer: Any, starts: Mapping[Any, int], ends: Mapping[Any, int], deadline_s: float
) -> int:
    """Count the records of each partition from its start offset up to its end offset."""
    if not starts:
        return 0
    consumer.assign(list(starts))
    for tp, offset in starts.items():
        consumer.seek(tp, offset)
    count = 0
    deadline = time.monotonic() + deadline_s
    while any(consumer.position(tp) < ends[tp] for tp in starts):
        if time.monotonic() > deadline:
            return count + sum(max(0, int(ends[tp]) - int(consumer.position(tp))) for tp in starts)
        for tp, messages in consumer.poll(timeout_ms=200).items():
            count += sum(1 for m in messages if m.offset < ends[tp])
    return count


def read_outputs(kafka: KafkaSettings, deadline_s: float = 120.0) -> tuple[list[Out], bool]:
    """Read the three output topics from the beginning up to their last stable offsets.

    Returns the records and whether the read got to the end before the deadline.
    """
    kinds = output_kinds(kafka)
    consumer = committed_consumer(kafka, list(kinds))
    outs: list[Out] = []
    try:
        tps = list(consumer.assignment())
        ends = consumer.end_offsets(tps)
        deadline = time.monotonic() + deadline_s
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                return outs, False
            for tp, messages in consumer.poll(timeout_ms=500).items():
                outs.extend(
                    Out(kinds[tp.topic], decode_value(m.value)) for m in messages if m.offset < ends[tp]
                )
        return outs, True
    finally:
        consumer.close()


def open_transactions(kafka: KafkaSettings) -> int:
    """Return how many partitions of the run's topics hold an open transaction (stable end < end)."""
    admin = admin_client(kafka, timeout_s=5.0)
    try:
        topics = sorted(t for t in admin.list_topics() if t.startswith(kafka.topic_prefix))
    finally:
        admin.close()
    committed = committed_consumer(kafka, topics, from_beginning=False)
    try:
        tps = list(committed.assignment())
        stable = committed.end_offsets(tps)
    finally:
        committed.close()
    plain = KafkaConsumer(client_id="wirestream-chaos", group_id=None, **kafka.kafka_python_kwargs())
    try:
        ends = plain.end_offsets(tps)
    finally:
        plain.close()
    return sum(1 for tp in tps if stable[tp] < ends[tp])


def quiescent(kafka: KafkaSettings, groups: Mapping[str, str]) -> bool:
    """Return True when no group has input left and no transaction is open: nothing more will come."""
    return not any(pending(kafka, groups).values()) and open_transactions(kafka) == 0
