"""SIGTERM stops a worker within 10 s, even when its broker is gone (Kubernetes then never SIGKILLs)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from services.core.kafka import ensure_topics
from services.localbroker import broker
from services.localbroker.broker import PrivateBrokerSettings
from services.supervise import free_port, start_worker, stop_workers, wait_ready


@pytest.mark.parametrize("stage", ["cleaner", "deduper"])
def test_sigterm_stops_a_worker_within_10s_after_the_broker_died(
    private_broker: PrivateBrokerSettings, tmp_path: Path, stage: str
) -> None:
    kafka = private_broker.kafka()
    ensure_topics(kafka)
    env = {
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        f"WIRESTREAM_{stage.upper()}_METRICS_HOST": "127.0.0.1",
        f"WIRESTREAM_{stage.upper()}_DATA_DIR": str(tmp_path / "data"),
    }
    worker = start_worker(stage, free_port(), env, tmp_path / "logs")
    try:
        wait_ready([worker])
        assert broker.kill(private_broker) is not None
        started = time.monotonic()
        os.killpg(worker.process.pid, signal.SIGTERM)
        try:
            worker.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{stage} still running 10 s after SIGTERM:\n{worker.log_tail()}")
        assert time.monotonic() - started < 10
    finally:
        stop_workers([worker], timeout_s=5)
