"""The stage runner: the one owner of consume → process → produce → commit, for every stage.

Each cycle reads a batch (``read_committed``), runs the stages of each task on it (pure, no I/O),
then, per task, produces the emits, the tables' changelog writes and the input offsets in one
Kafka transaction. Any failure of a task's cycle resets that task — its producer is
re-initialised (aborting the open transaction), its state restored from the changelog and its
input rewound to the committed offsets — so an input is reflected in the outputs exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import IllegalOperation, ProducerFenced

from services.core import metrics
from services.core.kafka import (
    KafkaAuthError,
    PartitionMismatchError,
    check_partitions,
    ensure_topics,
    fatal_kind,
)
from services.core.outcomes import Provenance
from services.core.settings import KafkaSettings, WorkerSettings
from services.core.stage import Emit, Route, Stage
from services.core.state import Derived, Table
from services.core.tasks import Outgoing, Task, restore

log = logging.getLogger("wirestream.runner")
SESSION_TIMEOUT_S = 10.0  # a killed worker's tasks move after this; fencing waits twice it
Observer = Callable[[Emit], None]


def utcnow() -> datetime:
    """Return the current time in UTC (the only clock the workers read)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Source:
    """A source topic (full name) and the stage that handles its messages."""

    topic: str
    stage: Stage[Any]
    observe: Observer | None = None


@dataclass
class Topology:
    """What one worker runs: its sources, where each route goes (full topic names), its tables."""

    service: str
    sources: Sequence[Source]
    routes: Mapping[Route, str]
    tables: Sequence[Table] = ()
    after_commit: Callable[[], None] | None = None
    main_topic: str = field(default="")

    def source(self, topic: str) -> Source:
        """The source of a topic."""
        return next(s for s in self.sources if s.topic == topic)


class StageRunner(ConsumerRebalanceListener):  # type: ignore[misc]
    """Runs a topology with exactly-once transactions, one task per input partition number."""

    def __init__(self, topology: Topology, settings: WorkerSettings) -> None:
        self.topology = topology
        self.settings = settings
        self.group = settings.kafka.group(topology.service)
        self.client = settings.kafka.aiokafka_kwargs()
        self.tasks: dict[int, Task] = {}
        self.retry_at: dict[int, float] = {}
        self.attempts: dict[int, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        self.lock = asyncio.Lock()
        self.stopping = asyncio.Event()
        self.consumer: AIOKafkaConsumer | None = None
        self.epoch = 0  # bumped by every rebalance callback: a linger stops topping up across one

    # -- rebalances: the callbacks only record; tasks open in the loop ---------------------------
    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Wait for the cycle in flight to commit: no transaction spans a rebalance."""
        async with self.lock:
            self.epoch += 1
            log.info("revoked %d partitions", len(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        """Keep the tasks assigned again, drop the others; new tasks open in the loop (paused till then)."""
        async with self.lock:
            self.epoch += 1
            numbers = sorted({tp.partition for tp in assigned})
            for n in [n for n in self.tasks if n not in numbers]:
                await self._drop(n)
            for n in [n for n in list(self.retry_at) if n not in numbers]:
                del self.retry_at[n]
            now = time.monotonic()
            for n in numbers:
                if n not in self.tasks:
                    self.retry_at[n] = now
                    self._pause(n)
                    continue
                # kept: resume from what we committed, not from the broker's possibly stale answer
                assert self.consumer is not None
                for tp in self._tps(n):
                    if tp in self.committed:
                        self.consumer.seek(tp, self.committed[tp])
            owned = sum(1 for tp in assigned if tp.topic == self.topology.main_topic)
            metrics.ASSIGNED_PARTITIONS.labels(self.topology.service).set(owned)
            log.info("assigned tasks %s (open: %s)", numbers, sorted(self.tasks))

    def _tps(self, n: int) -> list[TopicPartition]:
        assert self.consumer is not None
        mine = self.consumer.assignment()
        return [tp for s in self.topology.sources if (tp := TopicPartition(s.topic, n)) in mine]

    def _pause(self, n: int) -> None:
        if self.consumer is not None and (tps := self._tps(n)):
            self.consumer.pause(*tps)

    async def _open_due(self) -> None:
        """Open the assigned tasks that are due, concurrently: fence, restore state, rewind, resume."""
        now = time.monotonic()
        due = [n for n, at in self.retry_at.items() if at <= now and n not in self.tasks]
        if due:
            await asyncio.gather(*(self._open(n) for n in due))

    async def _open(self, n: int) -> None:
        task = Task(
            n,
            f"{self.group}-{n}",
            self.client,
            self.settings.transaction_timeout_s,
            self.settings.kafka.max_message_bytes,
        )
        try:
            await task.open()
            timeout = self.settings.transaction_timeout_s
            counts = await restore(self.topology.tables, n, self.client, timeout)
            await self._rewind(n)
        except Exception as exc:  # the broker may be restarting: retry with a backoff
            await task.close()
            if fatal_kind(exc):
                raise  # a credential or an ACL: retrying cannot help (run_worker reports it and exits)
            self.attempts[n] = attempts = self.attempts.get(n, 0) + 1
            self.retry_at[n] = time.monotonic() + min(10.0, 0.2 * 2**attempts)
            log.warning("task %d not ready yet (%r); retry %d", n, exc, attempts)
            return
        self.tasks[n] = task
        self.retry_at.pop(n, None)
        assert self.consumer is not None
        if tps := self._tps(n):
            self.consumer.resume(*tps)
        log.info("task %d ready (restored %s)", n, counts)

    async def _drop(self, n: int) -> None:
        task = self.tasks.pop(n, None)
        if task is not None:
            await task.close()
        for table in self.topology.tables:
            table.drop(n)
        for tp in [tp for tp in self.committed if tp.partition == n]:
            del self.committed[tp]
            metrics.CONSUMER_LAG.remove(self.topology.service, tp.topic, str(tp.partition))

    async def _rewind(self, n: int) -> None:
        """Seek task n's input to the newest committed offsets: the broker's, or ours when newer.

        aiokafka's OffsetFetch (v3) cannot ask for stable offsets (KIP-447): right after a broker
        restart the offsets of a transaction we committed may not be materialised yet, and the
        broker answers an older offset. We are task n's only writer, so what we committed wins.
        """
        consumer = self.consumer
        assert consumer is not None
        for tp in self._tps(n):
            known = [o for o in (await consumer.committed(tp), self.committed.get(tp)) if o is not None]
            if not known:
                await consumer.seek_to_beginning(tp)
                self.committed[tp] = 0
            else:
                offset = max(known)
                consumer.seek(tp, offset)
                self.committed[tp] = offset

    async def _reset(self, n: int, exc: BaseException) -> None:
        """Forget task n's open transaction and reopen it; after fencing, only once a rebalance is due."""
        reason = type(exc).__name__
        log.warning("task %d reset after %s: %r", n, reason, exc)
        metrics.TASK_RESETS.labels(self.topology.service, reason).inc()
        metrics.TRANSACTIONS.labels(self.topology.service, "aborted").inc()
        for table in self.topology.tables:
            table.store(n).rollback()
        task = self.tasks.pop(n, None)
        if task is not None:
            await task.close()
        self._pause(n)
        fenced = isinstance(exc, ProducerFenced | IllegalOperation)
        # Fenced: another worker holds task n; reopening now would fence it back. A rebalance will
        # say who owns n; if none comes (we still own it), reopen after a session timeout. Other
        # failures retry with a growing backoff (a rejection that repeats stalls, never skips).
        self.attempts[n] = attempts = self.attempts.get(n, 0) + 1
        wait = 2 * SESSION_TIMEOUT_S if fenced else min(10.0, 0.1 * 2**attempts)
        self.retry_at[n] = time.monotonic() + wait

    # -- the loop ------------------------------------------------------------------------------
    async def run(self) -> None:
        """Consume, process and commit until ``stopping`` is set."""
        topics = [s.topic for s in self.topology.sources]
        consumer = AIOKafkaConsumer(
            group_id=self.group,
            client_id=f"{self.group}-consumer",
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            partition_assignment_strategy=(RangePartitionAssignor,),
            max_poll_interval_ms=300_000,
            session_timeout_ms=int(SESSION_TIMEOUT_S * 1000),
            heartbeat_interval_ms=3_000,
            **self.client,
        )
        self.consumer = consumer
        consumer.subscribe(topics, listener=self)
        await consumer.start()
        try:
            while not self.stopping.is_set():
                if self.retry_at:
                    async with self.lock:
                        await self._open_due()
                batch = await self._fetch(consumer)
                if batch:
                    async with self.lock:
                        await self._cycle(batch)
        finally:
            self.consumer = None
            tasks, self.tasks = list(self.tasks.values()), {}
            await asyncio.gather(*(task.close() for task in tasks))
            try:
                await asyncio.wait_for(consumer.stop(), 3.0)
            except Exception as exc:  # the broker may be gone
                log.info("consumer stop: %r", exc)

    async def _fetch(self, consumer: AIOKafkaConsumer) -> dict[TopicPartition, list[Any]]:
        """The next cycle's records: one fetch, topped up for ``batch_linger_ms`` while it is short."""
        limit = self.settings.max_poll_records
        batch: dict[TopicPartition, list[Any]] = dict(
            await consumer.getmany(timeout_ms=200, max_records=limit)
        )
        count = sum(map(len, batch.values()))
        fetched = metrics.RECORDS_FETCHED.labels(self.topology.service)
        fetched.inc(count)
        if not count or not self.settings.batch_linger_ms:
            return batch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.batch_linger_ms / 1000
        epoch = self.epoch
        while (
            count < limit
            and (left := deadline - loop.time()) > 0
            and self.epoch == epoch
            and not self.stopping.is_set()
        ):
            more = await consumer.getmany(timeout_ms=max(1, int(left * 1000)), max_records=limit - count)
            for tp, messages in more.items():
                batch.setdefault(tp, []).extend(messages)
                count += len(messages)
                fetched.inc(len(messages))
        return batch

    async def _cycle(self, batch: Mapping[TopicPartition, list[Any]]) -> None:
        """Process one fetched batch: compute every task's emits, then commit each task's transaction."""
        consumer = self.consumer
        assert consumer is not None
        by_task: dict[int, list[tuple[TopicPartition, list[Any], int]]] = {}
        for tp, messages in batch.items():
            if messages and tp.partition in self.tasks and tp in consumer.assignment():
                # the position also skips transaction markers: committed lag then drops to 0
                position = max(messages[-1].offset + 1, await consumer.position(tp))
                by_task.setdefault(tp.partition, []).append((tp, messages, position))
        plans = {n: self._process(n, parts) for n, parts in by_task.items()}
        results = await asyncio.gather(
            *(self._commit(n, *plan) for n, plan in plans.items()), return_exceptions=True
        )
        for n, result in zip(plans, results, strict=True):
            if isinstance(result, BaseException):
                if fatal_kind(result):
                    raise result  # denied (e.g. a topic it may not write): reported, never retried silently
                await self._reset(n, result)
        if self.topology.after_commit is not None:
            self.topology.after_commit()

    def _process(
        self, n: int, parts: list[tuple[TopicPartition, list[Any], int]]
    ) -> tuple[list[Outgoing], dict[TopicPartition, int], list[tuple[Source, Emit]]]:
        """Run the stages of task n on its messages (no I/O); return records, offsets, emits."""
        for table in self.topology.tables:
            table.current = n
        now = utcnow()
        records: list[Outgoing] = []
        emitted: list[tuple[Source, Emit]] = []
        offsets: dict[TopicPartition, int] = {}
        routes = self.topology.routes
        limit = self.settings.max_message_bytes
        try:
            for tp, messages, position in parts:
                source = self.topology.source(tp.topic)
                stage = source.stage
                started = time.perf_counter()
                metrics.MESSAGES_IN.labels(stage.name).inc(len(messages))
                inputs = [(m.value, Provenance(m.topic, m.partition, m.offset)) for m in messages]
                for (payload, provenance), emits in zip(inputs, stage.handle_many(inputs, now), strict=True):
                    for emit, data in stage.bounded(emits, payload, provenance, now, limit):
                        records.append(Outgoing(routes[emit.route], emit.key.encode(), data, emit.partition))
                        emitted.append((source, emit))
                per_message = (time.perf_counter() - started) / len(messages)
                for _ in messages:
                    metrics.PROCESSING_SECONDS.labels(stage.name).observe(per_message)
                offsets[tp] = position
            for table in self.topology.tables:
                for key, value in table.store(n).changes():
                    records.append(Outgoing(table.changelog_topic, key, value, n))
        finally:
            for table in self.topology.tables:
                table.current = None
        return records, offsets, emitted

    async def _commit(
        self,
        n: int,
        records: list[Outgoing],
        offsets: dict[TopicPartition, int],
        emitted: list[tuple[Source, Emit]],
    ) -> None:
        task = self.tasks[n]
        await task.commit(records, offsets, self.group)
        for table in self.topology.tables:
            table.store(n).commit()
        self.committed.update(offsets)
        self.attempts.pop(n, None)
        metrics.TRANSACTIONS.labels(self.topology.service, "committed").inc()
        for source, emit in emitted:
            count(source.stage.name, emit)
            if source.observe is not None:
                source.observe(emit)
        self._update_lag(offsets)

    def _update_lag(self, offsets: Mapping[TopicPartition, int]) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        for tp, committed in offsets.items():
            end = consumer.last_stable_offset(tp)
            if end is None or end < 0:
                end = consumer.highwater(tp)
            if end is not None:
                lag = max(0, end - committed)
                metrics.CONSUMER_LAG.labels(self.topology.service, tp.topic, str(tp.partition)).set(lag)


def count(stage: str, emit: Emit) -> None:
    """Count one committed emit: messages out, dead letters, end-to-end latency."""
    metrics.MESSAGES_OUT.labels(stage, emit.outcome_label()).inc()
    if emit.route == "dlq":
        metrics.DLQ.labels(stage, getattr(emit.value, "reason", "unknown")).inc()
        return
    stamps = getattr(emit.value, "timestamps", None)
    ingested = getattr(stamps, "ingested", None)
    if ingested is not None and emit.route == "out":
        lag = (utcnow() - ingested).total_seconds()
        metrics.END_TO_END_SECONDS.labels(stage).observe(max(lag, 0.0))


async def _serve(runner: StageRunner) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runner.stopping.set)
    work = asyncio.create_task(runner.run())
    stop = asyncio.create_task(runner.stopping.wait())
    await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    if not work.done():
        log.info("stopping (at most %.0fs)", runner.settings.shutdown_timeout_s)
        try:
            await asyncio.wait_for(asyncio.shield(work), runner.settings.shutdown_timeout_s)
        except TimeoutError:
            log.warning("shutdown timed out: the open transaction is left to the next owner to abort")
            work.cancel()
    stop.cancel()
    if work.done() and not work.cancelled() and work.exception() is not None:
        raise work.exception()  # type: ignore[misc]


def prepare(topology: Topology, settings: WorkerSettings) -> None:
    """Create the tables' compacted changelogs; refuse to start when partition counts disagree."""
    kafka = settings.kafka
    changelogs = [t.changelog_topic for t in topology.tables]
    ensure_topics(kafka, changelogs, prefixed=True, configs={"cleanup.policy": "compact"})
    check_partitions(kafka, [*(s.topic for s in topology.sources), *changelogs])


def changelog(settings: WorkerSettings, service: str, table: str, derived: Derived | None = None) -> Table:
    """A table of a service, with its changelog topic ``<group>-<table>-changelog``."""
    return Table(table, f"{settings.kafka.group(service)}-{table}-changelog", derived)


def run_worker(topology: Topology, settings: WorkerSettings) -> None:
    """Serve metrics and run the stage runner until SIGTERM/SIGINT (bounded shutdown)."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        prepare(topology, settings)
    except PartitionMismatchError as exc:
        raise SystemExit(f"wirestream worker {topology.service}: {exc}") from None
    except Exception as exc:
        if fatal_kind(exc) is None:
            raise
        raise fatal_exit(topology.service, settings.kafka, exc) from None
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    metrics.serve(settings.metrics_host, settings.metrics_port)
    metrics.ASSIGNED_PARTITIONS.labels(topology.service).set(0)
    try:
        asyncio.run(_serve(StageRunner(topology, settings)))
    except Exception as exc:
        if fatal_kind(exc) is None:
            raise
        raise fatal_exit(topology.service, settings.kafka, exc) from None


def fatal_exit(service: str, kafka: KafkaSettings, exc: BaseException) -> SystemExit:
    """Count and log a Kafka failure retrying cannot fix (credentials, ACLs); the worker's exit (code 1)."""
    kind = fatal_kind(exc) or "unknown"
    metrics.KAFKA_ERRORS.labels(service, kind).inc()
    detail = (
        str(exc) if isinstance(exc, KafkaAuthError) else f"{type(exc).__name__}: {exc} ({kafka.describe()})"
    )
    log.error("Kafka %s failed, stopping: %s", kind, detail)
    return SystemExit(f"wirestream worker {service}: Kafka {kind} failed: {detail}")
