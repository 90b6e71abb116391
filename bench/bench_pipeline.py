"""Streaming scenarios of the pipeline benchmark: raw Kafka, the runner's pass-through, the real pipeline.

Every scenario gets its own topic prefix (same names, same partition count), the same article
texts, and is torn down afterwards (workers stopped, topics deleted).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from bench.procs import busy_share, cpu_seconds, machine_cpu_ticks, messages_in, start_process, wait_assigned
from services.core.ingest import Payload, new_article_id, to_raw
from services.core.kafka import admin_client, ensure_topics
from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, RAW, TAGGED, KafkaSettings
from services.core.stage import encode
from services.loadtest import report, runner
from services.loadtest.generator import Variant
from services.replay.producer import ReplaySettings, make_producer
from services.supervise import STAGES, WorkerProcess, stop_workers

PASSTHROUGH = {"passthrough-cleaner": RAW, "passthrough-tagger": CLEAN, "passthrough-deduper": TAGGED}
REAL = {"cleaner": RAW, "tagger": CLEAN, "deduper": TAGGED}


def scenario(base: KafkaSettings, name: str, stamp: str) -> KafkaSettings:
    """Return Kafka settings with a fresh topic prefix for one scenario, topics created."""
    kafka = base.model_copy(update={"topic_prefix": f"bench{stamp}-{name}."})
    ensure_topics(kafka)
    return kafka


def teardown(kafka: KafkaSettings) -> None:
    """Delete the scenario's topics and consumer groups (best effort)."""
    admin = admin_client(kafka)
    try:
        doomed = [t for t in admin.list_topics() if t.startswith(kafka.topic_prefix)]
        if doomed:
            admin.delete_topics(doomed, raise_errors=False)
        groups = [g for g, *_ in admin.list_groups() if str(g).startswith(kafka.topic_prefix)]
        if groups:
            admin.delete_groups(groups)
    except Exception as exc:  # cleanup must not hide the figures
        print(f"  (teardown of {kafka.topic_prefix}: {exc!r})")
    finally:
        admin.close()


def changelog_records(kafka: KafkaSettings) -> dict[str, int]:
    """Return the records written to each of the scenario's table changelog topics (end offsets)."""
    from kafka.admin import OffsetSpec

    admin = admin_client(kafka)
    try:
        names = [t for t in admin.list_topics() if t.startswith(kafka.topic_prefix) and "changelog" in t]
        counts: dict[str, int] = {}
        for meta in admin.describe_topics(names) if names else []:
            tps = [TopicPartition(meta["name"], p["partition_index"]) for p in meta["partitions"]]
            ends = admin.list_partition_offsets(dict.fromkeys(tps, OffsetSpec.LATEST))
            short = meta["name"].removeprefix(kafka.topic_prefix)
            counts[short] = sum(int(o.offset) for o in ends.values())
        return counts
    finally:
        admin.close()


def _consume(bootstrap: str, topic: str, count: int, timeout_s: float, ready: Any, out: Any) -> None:
    """Child process: read ``count`` messages of ``topic`` from the start; report first/last arrival."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    consumer.assign(parts)
    consumer.seek_to_beginning()
    for tp in parts:
        consumer.position(tp)
    ready.set()
    seen, first, last = 0, 0.0, 0.0
    deadline = time.monotonic() + timeout_s
    while seen < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200, max_records=2000).values():
            now = time.time()
            first = first or now
            seen += len(records)
            last = now
    consumer.close()
    out.put((seen, first, last))


def raw_kafka(kafka: KafkaSettings, variants: Sequence[Variant], timeout_s: float = 300.0) -> dict[str, Any]:
    """The broker's limit: produce the raw messages with kafka-python, consume them in another process."""
    now = datetime.now(UTC)
    messages = []
    for v in variants:
        article_id = new_article_id(v.uri)
        raw = to_raw(Payload(v.uri, None, v.text.encode("utf-8"), "text/plain"), article_id, now)
        messages.append((article_id.encode(), encode(raw)))
    ctx = mp.get_context("spawn")
    ready, out = ctx.Event(), ctx.Queue()
    topic = kafka.topic(RAW)
    child = ctx.Process(
        target=_consume, args=(kafka.bootstrap_servers, topic, len(messages), timeout_s, ready, out)
    )
    child.start()
    try:
        if not ready.wait(60):
            raise TimeoutError("the raw consumer did not start")
        producer = make_producer(kafka, ReplaySettings(kafka=kafka))
        started = time.time()
        for key, value in messages:
            producer.send(topic, key=key, value=value)
        producer.flush()
        flushed = time.time()
        producer.close()
        seen, _first, last = out.get(timeout=timeout_s)
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
    size = sum(len(v) for _, v in messages)
    return {
        "messages": len(messages),
        "consumed": seen,
        "mean_bytes": round(size / len(messages)),
        "produce_msgs_per_s": round(len(messages) / (flushed - started), 1),
        "pass_msgs_per_s": round(seen / (last - started), 1) if last > started else None,
        "pass_mib_per_s": round(size / (last - started) / 2**20, 2) if last > started else None,
    }


def start_stages(kafka: KafkaSettings, kind: str, per_stage: int, log_dir: Path) -> list[WorkerProcess]:
    """Start ``per_stage`` workers of each stage (real or pass-through) and wait for assignment."""
    env = {
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "WIRESTREAM_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "WIRESTREAM_KAFKA_PARTITIONS": str(kafka.partitions),
    }
    workers: list[WorkerProcess] = []
    try:
        for stage in STAGES:
            label = stage if kind == "real" else f"passthrough-{stage}"
            argv = ["services.cli", "worker", stage] if kind == "real" else ["bench.passthrough", stage]
            for i in range(per_stage):
                name = f"{label}-{i + 1}"
                workers.append(start_process(name, label, argv, env, log_dir / kafka.topic_prefix / name))
        wait_assigned(workers, kafka.partitions)
    except BaseException:
        stop_workers(workers)
        raise
    return workers


def streaming(
    kafka: KafkaSettings,
    variants: Iterable[Variant],
    *,
    kind: str,
    per_stage: int,
    log_dir: Path,
    rate: float | None = None,
    count: int | None = None,
    duration_s: float | None = None,
    drain_timeout_s: float = 600.0,
    label: str = "",
) -> dict[str, Any]:
    """Run the variants through real or pass-through workers; return throughput, CPU and the run summary."""
    workers = start_stages(kafka, kind, per_stage, log_dir)
    try:
        cpu0 = {w.process.pid: cpu_seconds(w.process.pid) for w in workers}
        in0 = {w.process.pid: messages_in(w) for w in workers}
        config = runner.RunConfig(
            rate=rate,
            count=count,
            duration_s=duration_s,
            drain_timeout_s=drain_timeout_s,
            groups=runner.stage_groups(kafka, PASSTHROUGH if kind == "passthrough" else REAL),
            outputs=(ENRICHED,) if kind == "passthrough" else (ENRICHED, DUPLICATES, DLQ),
            label=label or f"{kind} x{per_stage}",
        )
        ticks0 = machine_cpu_ticks()
        result = runner.run(kafka, variants, config)
        machine_busy = busy_share(ticks0, machine_cpu_ticks())
        cpu = {w.process.pid: cpu_seconds(w.process.pid) - cpu0[w.process.pid] for w in workers}
        msgs = {w.process.pid: messages_in(w) - in0[w.process.pid] for w in workers}
    finally:
        stop_workers(workers)
    summary = report.summarize(result)
    per_stage_cpu: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        mine = [w.process.pid for w in workers if w.stage.endswith(stage)]
        seconds, handled = sum(cpu[p] for p in mine), sum(msgs[p] for p in mine)
        per_stage_cpu[stage] = {
            "cpu_s": round(seconds, 3),
            "messages": handled,
            "cpu_ms_per_message": round(1000 * seconds / handled, 3) if handled else 0.0,
        }
    return {
        "kind": kind,
        "workers_per_stage": per_stage,
        "articles": summary["produced"],
        "articles_per_s": summary["throughput"]["sustained_per_s"],
        "steady_articles_per_s": summary["throughput"]["steady_per_s"],
        "nothing_lost": summary["nothing_lost"],
        "lost": summary["lost"],
        "dlq": summary["dlq_count"],
        "statuses": summary["statuses"],
        "cpu": per_stage_cpu,
        # Every process on the machine (workers, broker, load driver) over the run, as a share of
        # all cores: near 1.0, more workers cannot go faster.
        "machine_cpu_busy_share": machine_busy,
        "changelog_records_per_article": {
            t: round(n / max(summary["produced"], 1), 2) for t, n in changelog_records(kafka).items()
        },
        "summary": summary,
    }
