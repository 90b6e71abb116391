"""The command line against the real broker: replay, then tail what it produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from services.core.settings import KafkaSettings
from tests.conftest import SEEDS


def _wirestream(kafka: KafkaSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "WIRESTREAM_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
    }
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_replay_then_tail_prints_the_raw_events(kafka: KafkaSettings) -> None:
    replayed = _wirestream(kafka, "replay", str(SEEDS), "--loop", "2", "--quiet")
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 10 articles" in replayed.stdout
    tailed = _wirestream(
        kafka,
        "tail",
        "--topic",
        "articles.raw.v1",
        "--from-beginning",
        "--max",
        "10",
        "--idle-timeout",
        "30",
    )
    assert tailed.returncode == 0, tailed.stderr
    events = [json.loads(line) for line in tailed.stdout.splitlines()]
    assert len(events) == 10
    assert len({e["article_id"] for e in events}) == 10
    assert {e["schema_version"] for e in events} == {1}


def test_kafka_status_reports_the_broker(kafka: KafkaSettings) -> None:
    host, _, port = kafka.bootstrap_servers.partition(":")
    env_port = {"WIRESTREAM_BROKER_HOST": host, "WIRESTREAM_BROKER_PORT": port}
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "kafka", "status"],
        env={**os.environ, **env_port},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"up at {kafka.bootstrap_servers}" in result.stdout
