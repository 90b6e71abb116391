"""Delivery faults on the real broker: a failed produce never commits its input; bad settings stop."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from kafka.admin import ConfigResource, ConfigResourceType

from services.core.consume import Record, collect_until, records
from services.core.kafka import admin_client, check_partitions
from services.core.poll import poll_until
from services.core.settings import CLEAN, DLQ, RAW, KafkaSettings
from services.replay.producer import ReplaySettings, replay
from services.supervise import WorkerProcess, scrape
from tests.conftest import DATA, SEEDS


def _set_topic_config(kafka: KafkaSettings, topic: str, configs: dict[str, str]) -> None:
    admin = admin_client(kafka)
    try:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, kafka.topic(topic), configs=configs)])
    finally:
        admin.close()


def _resets(worker: WorkerProcess) -> float:
    samples = scrape(worker.metrics_url())
    return sum(v for k, v in samples.items() if k.startswith("wirestream_task_resets_total{"))


def _committed(kafka: KafkaSettings, group: str) -> dict[int, int]:
    admin = admin_client(kafka)
    try:
        offsets = admin.list_group_offsets([group]).get(group) or {}
    finally:
        admin.close()
    return {tp.partition: max(0, meta.offset) for tp, meta in offsets.items() if tp.topic == kafka.topic(RAW)}


def test_a_produce_the_broker_rejects_commits_nothing_and_comes_out_once_when_fixed(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    _set_topic_config(kafka, CLEAN, {"max.message.bytes": "1024"})  # every clean article is larger
    (cleaner,) = start_workers("cleaner")
    sent = replay(sorted(SEEDS.glob("*.txt"))[:1], ReplaySettings(kafka=kafka), progress=False)
    (article_id,) = sent.article_ids
    poll_until(lambda: _resets(cleaner) >= 2, deadline_s=60, what="the cleaner retried the rejected send")
    assert not list(records(kafka, [kafka.topic(CLEAN)], idle_timeout_s=1.0)), "nothing half-written"
    assert sum(_committed(kafka, kafka.group("cleaner")).values()) == 0, "the input offset stays"

    _set_topic_config(kafka, CLEAN, {"max.message.bytes": "1048576"})

    def out(rs: list[Record]) -> bool:
        return any(r.key == article_id for r in rs)

    collect_until(kafka, [kafka.topic(CLEAN)], out, deadline_s=60)
    poll_until(
        lambda: sum(_committed(kafka, kafka.group("cleaner")).values()) == 1,
        deadline_s=30,
        what="the input offset committed",
    )
    emitted = [r for r in records(kafka, [kafka.topic(CLEAN)], idle_timeout_s=2.0) if r.key == article_id]
    assert len(emitted) == 1, f"the article came out {len(emitted)} times"


def test_an_output_over_the_message_limit_is_a_dead_letter_and_the_worker_goes_on(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    start_workers("cleaner", extra_env={"WIRESTREAM_CLEANER_MAX_MESSAGE_BYTES": "1024"})
    files = sorted(SEEDS.glob("*.txt"))[:2]  # every clean article of them is over 1 KiB of JSON
    sent = replay(files, ReplaySettings(kafka=kafka), progress=False)

    def done(rs: list[Record]) -> bool:
        return {r.key for r in rs} >= set(sent.article_ids)

    found = collect_until(kafka, [kafka.topic(DLQ), kafka.topic(CLEAN)], done, deadline_s=60)
    assert all(r.topic == kafka.topic(DLQ) for r in found), "nothing over the limit was produced"
    letters = [r.value for r in found]
    assert {v["reason"] for v in letters} == {"output_too_large"}
    assert {v["stage"] for v in letters} == {"cleaner"}
    assert all(v["source_topic"] == kafka.topic(RAW) and v["article_id"] for v in letters)
    assert all("1024-byte limit" in v["error"] for v in letters)


def test_a_worker_refuses_to_start_when_the_partition_count_differs(
    kafka_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**kafka_env, "WIRESTREAM_KAFKA_PARTITIONS": "3", "WIRESTREAM_CLEANER_METRICS_HOST": "127.0.0.1"}
    env["WIRESTREAM_CLEANER_METRICS_PORT"] = "0"
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "worker", "cleaner"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "WIRESTREAM_KAFKA_PARTITIONS is 3" in result.stderr and "has 4" in result.stderr


def test_the_partition_check_waits_for_topics_another_worker_is_creating(kafka: KafkaSettings) -> None:
    # two workers of one stage starting together: one creates the changelogs, the other checks them
    names = [kafka.topic(f"creating-{n}") for n in range(3)]
    admin = admin_client(kafka)
    try:
        spec = {n: {"num_partitions": kafka.partitions, "replication_factor": 1} for n in names}
        admin.create_topics(spec, wait_for_metadata=False)
    finally:
        admin.close()
    check_partitions(kafka, names)  # no "has 0" mismatch while the creation completes


def test_consumer_lag_is_exported_per_partition_and_drains_to_zero(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    (cleaner,) = start_workers("cleaner")
    # raw records are keyed by source: feeds of several outlets spread over several partitions
    sent = replay([DATA / "ingest" / "feeds"], ReplaySettings(kafka=kafka), progress=False)
    assert sent.produced >= 5
    collect_until(
        kafka,
        [kafka.topic(CLEAN), kafka.topic(DLQ)],
        lambda rs: (
            {r.value.get("parent_id") or r.value.get("article_id") for r in rs} >= set(sent.article_ids)
        ),
        deadline_s=60,
    )

    def lags() -> dict[str, float]:
        prefix = "wirestream_consumer_lag{"
        return {k: v for k, v in scrape(cleaner.metrics_url()).items() if k.startswith(prefix)}

    poll_until(lambda: lags() and sum(lags().values()) == 0, deadline_s=30, what="lag drained to 0")
    labels = list(lags())
    assert all(f"topic={kafka.topic(RAW)}" in k and "stage=cleaner" in k for k in labels)
    assert len({k.split("partition=")[1].split(",")[0] for k in labels}) >= 2, labels
