"""Prometheus metrics shared by every stage: ``wirestream_<what>_<unit>`` with a ``stage`` label."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

# Stage functions cost from well under a millisecond (pass-through) to tens of milliseconds.
PROCESSING_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)
# End-to-end latency spans milliseconds (idle pipeline) to minutes (backlog after a restart).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

MESSAGES_IN = Counter("wirestream_messages_in_total", "Messages consumed by a stage.", ["stage"])
RECORDS_FETCHED = Counter(
    "wirestream_records_fetched_total",
    "Records a worker's consumer fetched, counted at the fetch (a batch linger holds them until its cycle).",
    ["stage"],
)
MESSAGES_OUT = Counter(
    "wirestream_messages_out_total",
    "Messages produced by a stage, by outcome (ok, dlq, duplicate).",
    ["stage", "outcome"],
)
DLQ = Counter("wirestream_dlq_messages_total", "Messages sent to the dead-letter topic.", ["stage", "reason"])
PROCESSING_SECONDS = Histogram(
    "wirestream_processing_seconds",
    "Time a stage spends on one message: decode, stage function, encode.",
    ["stage"],
    buckets=PROCESSING_BUCKETS,
)
END_TO_END_SECONDS = Histogram(
    "wirestream_end_to_end_latency_seconds",
    "Ingest timestamp to the moment the stage emitted the article.",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
REMOVALS = Counter(
    "wirestream_cleaner_removals_total",
    "Pieces of text the cleaner removed, by kind.",
    ["stage", "kind"],
)
DUPLICATES = Counter("wirestream_duplicates_total", "Deduper verdicts, by status.", ["stage", "status"])
ASSIGNED_PARTITIONS = Gauge(
    "wirestream_assigned_partitions",
    "Source-topic partitions assigned to this worker (0 until the first rebalance completes).",
    ["stage"],
)
STATE_ENTRIES = Gauge(
    "wirestream_state_entries",
    "Entries in a stage's state tables on this worker.",
    ["stage", "table"],
)
STATE_EVICTIONS = Counter(
    "wirestream_state_evictions_total",
    "State entries expired from a stage's window.",
    ["stage", "table"],
)


def serve(host: str, port: int) -> None:
    """Serve ``/metrics`` from the default registry on host:port in a background thread."""
    start_http_server(port, addr=host)


CONSUMER_LAG = Gauge(
    "wirestream_consumer_lag",
    "Input messages not yet committed: last stable offset minus committed offset, per partition.",
    ["stage", "topic", "partition"],
)
TRANSACTIONS = Counter(
    "wirestream_transactions_total",
    "Kafka transactions of a worker's tasks, by result (committed, aborted).",
    ["stage", "result"],
)
KAFKA_ERRORS = Counter(
    "wirestream_kafka_errors_total",
    "Kafka failures retrying cannot fix, by kind (authentication, authorization); the worker then exits.",
    ["stage", "kind"],
)
TASK_RESETS = Counter(
    "wirestream_task_resets_total",
    "Tasks rebuilt after a failed transaction (producer re-initialised, state restored, input rewound).",
    ["stage", "reason"],
)
