"""faust wiring shared by the stage workers: the app, and a thin agent around a ``Stage``.

The agent only decodes (inside ``Stage.handle``), calls the stage, sends the emits and counts.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from pydantic import BaseModel

from services.core import metrics
from services.core.kafka import ensure_topics
from services.core.outcomes import Provenance
from services.core.settings import KafkaSettings, WorkerSettings
from services.core.stage import Emit, Route, Stage, encode

Observer = Callable[[Emit], None]


def utcnow() -> datetime:
    """Return the current time in UTC (the only clock the workers read)."""
    return datetime.now(UTC)


def _credentials(kafka: KafkaSettings) -> Any:
    if kafka.security_protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context() if kafka.security_protocol.endswith("SSL") else None
    if kafka.sasl_mechanism is None:
        return faust.SSLCredentials(context)
    password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
    return faust.SASLCredentials(
        username=kafka.sasl_username,
        password=password,
        ssl_context=context,
        mechanism=kafka.sasl_mechanism,
    )


def create_app(service: str, settings: WorkerSettings) -> faust.App:
    """Create the faust app of one service: its own app id and consumer group."""
    kafka = settings.kafka
    app_id = kafka.group(service)
    return faust.App(
        app_id,
        broker=[f"kafka://{hostport}" for hostport in kafka.bootstrap_servers.split(",")],
        broker_credentials=_credentials(kafka),
        store=settings.store,
        datadir=str(Path(settings.data_dir) / app_id),
        topic_partitions=kafka.partitions,
        topic_replication_factor=kafka.replication_factor,
        topic_allow_declare=True,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        autodiscover=False,
    )


def raw_topic(app: faust.App, name: str) -> Any:
    """Declare a topic whose keys and values are raw bytes (decoding is the stage's job)."""
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


def json_table(app: faust.App, name: str, kafka: KafkaSettings, help_text: str) -> Any:
    """Declare a changelog-backed table with string keys and JSON values, and create its changelog.

    The changelog topic (compacted) is created here, before the worker starts: a changelog that
    faust creates itself may appear after the first rebalance, which then leaves the table without
    active partitions.
    """
    schema: Any = faust.Schema(key_serializer="json", value_serializer="json")
    table = app.Table(name, schema=schema, partitions=kafka.partitions, help=help_text)
    changelog = table.changelog_topic.get_topic_name()
    ensure_topics(kafka, [changelog], prefixed=True, configs={"cleanup.policy": "compact"})
    return table


def _ingested(value: BaseModel) -> datetime | None:
    stamps = getattr(value, "timestamps", None)
    return getattr(stamps, "ingested", None)


def attach_stage(
    app: faust.App,
    stage: Stage[Any],
    source: Any,
    routes: Mapping[Route, Any],
    observe: Observer | None = None,
    batch: tuple[int, float] | None = None,
) -> Any:
    """Attach a thin faust agent that runs ``stage`` on every message of ``source``.

    With ``batch=(n, within_s)`` the agent takes up to n events (waiting at most within_s) and
    runs the stage's batch function on them: one model call for many articles.
    """
    name = stage.name

    async def send_all(emits: list[Emit]) -> None:
        for emit in emits:
            await routes[emit.route].send(
                key=emit.key.encode(), value=encode(emit.value), partition=emit.partition
            )
            _count(name, emit)
            if observe is not None:
                observe(emit)

    async def batch_agent(stream: Any) -> None:
        assert batch is not None
        async for events in stream.take_events(batch[0], within=batch[1]):
            started = time.perf_counter()
            metrics.MESSAGES_IN.labels(name).inc(len(events))
            messages = [(event.value, _provenance(event.message)) for event in events]
            await send_all(stage.handle_batch(messages, utcnow()))
            per_message = (time.perf_counter() - started) / max(1, len(events))
            for _ in events:
                metrics.PROCESSING_SECONDS.labels(name).observe(per_message)

    async def agent(stream: Any) -> None:
        async for event in stream.events():
            started = time.perf_counter()
            message = event.message
            metrics.MESSAGES_IN.labels(name).inc()
            provenance = _provenance(message)
            await send_all(stage.handle(event.value, provenance, utcnow()))
            metrics.PROCESSING_SECONDS.labels(name).observe(time.perf_counter() - started)

    handler = batch_agent if batch is not None else agent
    handler.__name__ = f"{name}_agent"
    track_assignment(app, name, source.get_topic_name())
    return app.agent(source, name=f"{name}-agent", concurrency=1)(handler)


def _provenance(message: Any) -> Provenance:
    return Provenance(topic=message.topic, partition=message.partition, offset=message.offset)


def _count(stage: str, emit: Emit) -> None:
    metrics.MESSAGES_OUT.labels(stage, emit.outcome_label()).inc()
    if emit.route == "dlq":
        metrics.DLQ.labels(stage, getattr(emit.value, "reason", "unknown")).inc()
        return
    ingested = _ingested(emit.value)
    if ingested is not None and emit.route == "out":
        lag = (utcnow() - ingested).total_seconds()
        metrics.END_TO_END_SECONDS.labels(stage).observe(max(lag, 0.0))


def track_assignment(app: faust.App, stage: str, source_topic: str) -> None:
    """Keep ``wirestream_assigned_partitions`` equal to the source partitions this worker owns."""
    metrics.ASSIGNED_PARTITIONS.labels(stage).set(0)

    async def on_assigned(sender: Any, *args: Any, **kwargs: Any) -> None:
        assigned = args[0] if args else kwargs.get("assigned", set())
        owned = sum(1 for tp in assigned if tp.topic == source_topic)
        metrics.ASSIGNED_PARTITIONS.labels(stage).set(owned)

    app.on_partitions_assigned.connect(on_assigned, weak=False)  # type: ignore[arg-type]


def run_worker(app: faust.App, settings: WorkerSettings) -> None:
    """Serve metrics and run the faust worker until it is stopped (SIGTERM/SIGINT)."""
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    metrics.serve(settings.metrics_host, settings.metrics_port)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()
