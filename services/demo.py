"""``wirestream demo``: broker, three workers, a replay of seeds/, a table of results, metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.core.consume import collect_until
from services.core.kafka import ensure_topics
from services.core.settings import DLQ, DUPLICATES, ENRICHED, ENV_FILE_VAR, KafkaSettings
from services.localbroker import broker, secure
from services.replay.producer import ReplaySettings, replay
from services.supervise import (
    DEFAULT_PORTS,
    STAGES,
    Accounting,
    WorkerProcess,
    scrape,
    start_worker,
    stop_from_pid_files,
    stop_workers,
    wait_ready,
)

SHOWN_METRICS = (
    "wirestream_messages_in_total",
    "wirestream_messages_out_total",
    "wirestream_dlq_messages_total",
    "wirestream_duplicates_total",
    "wirestream_end_to_end_latency_seconds_count",
    "wirestream_end_to_end_latency_seconds_sum",
)


def _row(value: dict[str, Any]) -> tuple[str, str, str, str]:
    article_id = str(value.get("article_id", "?"))
    if "stage" in value and "reason" in value:
        return article_id, f"(dead letter: {value['reason']})", "-", f"dlq@{value['stage']}"
    title = str(value.get("title") or value.get("text", "")[:60]).replace("\n", " ")
    language = (value.get("language") or {}).get("code", "-")
    dup = value.get("duplicate") or {}
    status = str(dup.get("status", "?"))
    if dup.get("of"):
        status += f" of {dup['of']}"
    return article_id, title[:58], language, status


def print_table(finals: dict[str, Any]) -> None:
    """Print one row per enriched event: id, title, language, duplicate status."""
    rows = [_row(v) for _, v in sorted(finals.items())]
    widths = [max(len(r[i]) for r in [*rows, ("article_id", "title", "lang", "duplicate")]) for i in range(4)]
    header = ("article_id", "title", "lang", "duplicate")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))


def print_metrics(workers: list[WorkerProcess]) -> None:
    """Print a few metric values read from each worker's /metrics endpoint."""
    for worker in workers:
        samples = scrape(worker.metrics_url())
        print(f"\n{worker.stage} ({worker.metrics_url()}):")
        for name, value in sorted(samples.items()):
            if name.split("{")[0] in SHOWN_METRICS and value:
                print(f"  {name} = {value:g}")


def stop_everything() -> None:
    """Stop the workers a ``demo --keep`` left running, then the local brokers (plain and secure)."""
    settings = broker.BrokerSettings()
    stopped = stop_from_pid_files(settings.home.parent / "demo")
    stopped += stop_from_pid_files(SECURE_LOG_DIR)
    print(f"stopped workers: {', '.join(stopped) or 'none'}")
    print("broker stopped" if broker.down(settings) else "broker was not running (no pid file)")
    if broker.down(secure.SecureBrokerSettings()):
        print("secure broker stopped")


SECURE_LOG_DIR = broker.PROJECT_DIR / ".cache" / "demo-secure"


def _secure_setup(
    settings: secure.SecureBrokerSettings,
) -> tuple[KafkaSettings, KafkaSettings, dict[str, str]]:
    """Admin and replay client settings; each worker loads its own principal's env file."""
    print(
        f"SASL_SSL on {settings.host}:{settings.port}: one principal per worker, ACLs; CA {settings.ca_file}"
    )
    envs = {stage: str(settings.env_file(stage)) for stage in STAGES}
    return settings.kafka(), settings.client("replay"), envs


def run_demo(
    paths: list[Path], *, keep: bool = False, timeout_s: float = 300.0, secure_mode: bool = False
) -> int:
    """Run the end-to-end demo (``secure_mode``: over SASL_SSL with ACLs); return the exit code."""
    settings = secure.SecureBrokerSettings() if secure_mode else broker.BrokerSettings()
    print("starting the local Kafka broker (first run fetches its jars with Maven)...")
    if isinstance(settings, secure.SecureBrokerSettings):
        started = secure.up(settings, KafkaSettings().topic_prefix)
        kafka, producer, env_files = _secure_setup(settings)
        log_dir = SECURE_LOG_DIR
    else:
        started = broker.up(settings)
        kafka = producer = KafkaSettings(bootstrap_servers=f"{settings.host}:{settings.port}")
        ensure_topics(kafka)
        env_files, log_dir = {}, settings.home.parent / "demo"
    print(broker.status(settings).describe(settings))
    env = {"WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers}
    workers = [
        start_worker(stage, DEFAULT_PORTS[stage], {**env, **_env_file_var(env_files, stage)}, log_dir)
        for stage in STAGES
    ]
    ok = False
    try:
        wait_ready(workers)
        print(f"workers up: {', '.join(w.stage for w in workers)} (logs in {log_dir})")
        summary = replay(paths, ReplaySettings(kafka=producer), progress=True)
        print(summary.describe())
        accounting = Accounting(raw_ids=set(summary.article_ids))
        topics = [kafka.topic(t) for t in (ENRICHED, DUPLICATES, DLQ)]
        collect_until(kafka, topics, accounting.complete, deadline_s=timeout_s)
        print(
            f"\nall {len(summary.article_ids)} replayed articles came out "
            f"as {len(accounting.finals)} events:\n"
        )
        print_table(accounting.finals)
        print_metrics(workers)
        ok = True
    finally:
        if keep:
            print("\n--keep: the broker and workers keep running (`make down` stops them)")
        else:
            stop_workers(workers)
            if started:
                broker.down(settings)
    return 0 if ok else 1


def _env_file_var(env_files: dict[str, str], stage: str) -> dict[str, str]:
    return {ENV_FILE_VAR: env_files[stage]} if stage in env_files else {}
