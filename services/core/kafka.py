"""Kafka admin helpers (kafka-python): readiness checks and topic creation."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from services.core.settings import PUBLIC_TOPICS, KafkaSettings


class BrokerUnavailableError(RuntimeError):
    """The broker did not answer a metadata request before the deadline."""


def admin_client(kafka: KafkaSettings, timeout_s: float = 10.0) -> Any:
    """Return a connected kafka-python admin client, or raise BrokerUnavailableError."""
    try:
        return KafkaAdminClient(
            client_id="wirestream-admin",
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
            **kafka.kafka_python_kwargs(),
        )
    except KafkaError as exc:  # NoBrokersAvailable and friends
        raise BrokerUnavailableError(f"no broker at {kafka.bootstrap_servers}: {exc!r}") from exc


def broker_answers(kafka: KafkaSettings, timeout_s: float = 3.0) -> bool:
    """Return True when the broker answers a metadata request."""
    try:
        admin = admin_client(kafka, timeout_s)
    except BrokerUnavailableError:
        return False
    try:
        admin.list_topics()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()


def wait_until_ready(kafka: KafkaSettings, deadline_s: float = 60.0) -> None:
    """Block until the broker answers a metadata request; raise BrokerUnavailableError at the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if broker_answers(kafka, timeout_s=min(3.0, max(0.5, deadline - time.monotonic()))):
            return
        time.sleep(0.25)
    raise BrokerUnavailableError(
        f"Kafka at {kafka.bootstrap_servers} did not answer within {deadline_s:.0f}s"
    )


def ensure_topics(
    kafka: KafkaSettings,
    names: Iterable[str] = PUBLIC_TOPICS,
    *,
    prefixed: bool = False,
    configs: dict[str, str] | None = None,
) -> list[str]:
    """Create the given topics with the configured partitions; return those created.

    Names get the topic prefix unless ``prefixed`` (already full names, e.g. faust changelogs).
    """
    wanted = [n if prefixed else kafka.topic(n) for n in names]
    admin = admin_client(kafka)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            spec = {
                t: {
                    "num_partitions": kafka.partitions,
                    "replication_factor": kafka.replication_factor,
                    "configs": {"max.message.bytes": str(kafka.max_message_bytes), **(configs or {})},
                }
                for t in missing
            }
            with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently: fine
                admin.create_topics(spec, wait_for_metadata=True)
        return missing
    finally:
        admin.close()


def delete_topics(kafka: KafkaSettings, full_names: Iterable[str]) -> None:
    """Delete topics by full name, ignoring those that do not exist."""
    admin = admin_client(kafka)
    try:
        existing = set(admin.list_topics())
        doomed = [t for t in full_names if t in existing]
        if doomed:
            admin.delete_topics(doomed, raise_errors=False)
    finally:
        admin.close()


class PartitionMismatchError(RuntimeError):
    """A topic's partition count differs from the configured one (ownership would silently change)."""


def check_partitions(kafka: KafkaSettings, full_names: Iterable[str]) -> None:
    """Raise PartitionMismatchError unless every topic has ``kafka.partitions`` partitions."""
    admin = admin_client(kafka)
    try:
        found = {d["name"]: len(d["partitions"]) for d in admin.describe_topics(list(full_names))}
    finally:
        admin.close()
    wrong = {name: count for name, count in found.items() if count != kafka.partitions}
    if wrong:
        listed = ", ".join(f"{name} has {count}" for name, count in sorted(wrong.items()))
        raise PartitionMismatchError(
            f"WIRESTREAM_KAFKA_PARTITIONS is {kafka.partitions} but {listed}: tasks, state and the "
            "deduper's key ownership (crc32 % partitions) depend on it. Set it to the topics' count, "
            "or recreate the topics and the state (changelogs) with the new count."
        )
