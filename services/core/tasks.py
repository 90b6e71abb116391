"""A task of the stage runner: one input partition number, its transactional producer and its state.

Every source topic of a worker has the same partition count and is assigned by range, so the
partitions numbered n of all of them belong to one worker: task n. Task n owns a producer with
``transactional.id = <group>-<n>``: whoever gets task n next initialises that id, which fences
the previous owner and aborts its open transaction (Kafka's exactly-once with one producer per
task, as Kafka Streams' first exactly-once mode). One transaction carries a cycle's outputs,
the tables' changelog writes and the input offsets; either all become visible or none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.core.state import Table

log = logging.getLogger("wirestream.runner")


@dataclass(frozen=True)
class Outgoing:
    """One record to produce inside a task's transaction."""

    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None = None


class Task:
    """Task n of a worker: the transactional producer of partition n and its tables' stores."""

    def __init__(
        self,
        number: int,
        transactional_id: str,
        client: dict[str, Any],
        timeout_s: float,
        max_request_size: int,
    ) -> None:
        self.number = number
        self.max_request_size = max_request_size
        self.transactional_id = transactional_id
        self.client = client
        self.timeout_s = timeout_s
        self.producer: AIOKafkaProducer | None = None

    async def open(self) -> None:
        """Start the producer: ``init_transactions`` fences the previous owner and aborts its transaction."""
        producer = AIOKafkaProducer(
            transactional_id=self.transactional_id,
            enable_idempotence=True,
            acks="all",
            transaction_timeout_ms=int(max(60.0, self.timeout_s * 2) * 1000),
            request_timeout_ms=int(self.timeout_s * 1000),
            linger_ms=0,  # the commit flushes the transaction's sends: lingering only adds a sender wake-up
            max_request_size=self.max_request_size,
            **self.client,
        )
        try:
            await asyncio.wait_for(producer.start(), self.timeout_s)
        except BaseException:
            await _quietly(producer.stop(), 2.0)
            raise
        self.producer = producer

    async def close(self) -> None:
        """Stop the producer (an open transaction is left to the next owner to abort)."""
        producer, self.producer = self.producer, None
        if producer is not None:
            await _quietly(producer.stop(), 3.0)

    async def commit(
        self, records: Sequence[Outgoing], offsets: dict[TopicPartition, int], group_id: str
    ) -> None:
        """Produce the records and commit the input offsets in one transaction; raise on any failure."""
        producer = self.producer
        if producer is None:
            raise RuntimeError(f"task {self.number} has no producer")

        async def run() -> None:
            await producer.begin_transaction()
            futures = [
                await producer.send(r.topic, value=r.value, key=r.key, partition=r.partition) for r in records
            ]
            for result in await asyncio.gather(*futures, return_exceptions=True):
                if isinstance(result, BaseException):
                    raise result  # a send that failed: the transaction must not commit
            await producer.send_offsets_to_transaction(offsets, group_id)
            await producer.commit_transaction()

        await asyncio.wait_for(run(), self.timeout_s)


async def restore(
    tables: Sequence[Table], task: int, client: dict[str, Any], timeout_s: float
) -> dict[str, int]:
    """Rebuild task ``task``'s store of every table from its changelog partition; return counts."""
    counts: dict[str, int] = {}
    if not tables:
        return counts
    consumer = AIOKafkaConsumer(
        group_id=None, enable_auto_commit=False, isolation_level="read_committed", **client
    )
    await consumer.start()
    try:
        parts = {TopicPartition(t.changelog_topic, task): t for t in tables}
        consumer.assign(list(parts))
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(list(parts))
        stores = {tp: table.reset(task) for tp, table in parts.items()}
        counts = {table.name: 0 for table in tables}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s * 4
        remaining = {tp for tp in parts if ends[tp] > 0}
        while remaining:
            if loop.time() > deadline:
                raise TimeoutError(f"restoring task {task} did not reach the changelog end")
            batch = await consumer.getmany(*remaining, timeout_ms=500)
            for tp, messages in batch.items():
                for message in messages:
                    stores[tp].load(message.key, message.value)
                    counts[parts[tp].name] += 1
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        for table in tables:  # off the event loop: heartbeats and other tasks go on meanwhile
            await asyncio.to_thread(table.restored, task)
        return counts
    finally:
        await _quietly(consumer.stop(), 3.0)


async def _quietly(awaitable: Any, timeout_s: float) -> None:
    """Await a shutdown step, ignoring its failure or slowness (the broker may be gone)."""
    try:
        await asyncio.wait_for(awaitable, timeout_s)
    except Exception as exc:  # a dead broker must not stop a shutdown
        log.debug("ignored during shutdown: %r", exc)
