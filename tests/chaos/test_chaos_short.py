"""A short chaos run: its own broker (not the shared one), three workers, one kill -9 of each
stage, one broker kill -9, ~500 articles; every article must come out exactly once.

Under CI=true a missing prerequisite (java, the Kafka jars, a free port) fails the test; elsewhere
it skips. The run stops its broker and workers itself; the fixture checks again afterwards.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.chaos import report
from services.chaos.run import ChaosConfig, run_chaos
from services.localbroker import broker
from services.localbroker.broker import PrivateBrokerSettings
from services.supervise import stop_from_pid_files
from tests.conftest import SEEDS, unavailable

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(540)]

BROKER_PORT, CONTROLLER_PORT = 19192, 19193  # not the shared broker's 9092, not `wirestream chaos`'s


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _missing(settings: PrivateBrokerSettings) -> str | None:
    if shutil.which("java") is None:
        return "java is not on PATH"
    if not any(settings.lib_dir.glob("kafka-clients-*.jar")) and shutil.which("mvn") is None:
        return f"no Kafka jars in {settings.lib_dir} and no mvn to fetch them (`make kafka-install`)"
    for port in (BROKER_PORT, CONTROLLER_PORT):
        if not _port_free(port):
            return f"port {port} is in use"
    if not any(SEEDS.glob("*.txt")):
        return f"no corpus in {SEEDS}"
    return None


@pytest.fixture
def chaos_config(tmp_path: Path) -> Iterator[ChaosConfig]:
    """A small chaos configuration on a broker home under tmp_path; everything stopped afterwards."""
    config = ChaosConfig(
        articles=500,
        rate=8.0,
        seed=1,
        kills_per_stage=1,
        broker_kills=1,
        scale="none",
        embedding_backend="use",
        corpus=[SEEDS],
        broker_home=tmp_path / "kafka",
        broker_port=BROKER_PORT,
        controller_port=CONTROLLER_PORT,
        ready_timeout_s=120.0,
        drain_timeout_s=180.0,
        settle_timeout_s=60.0,
        run_dir=tmp_path / "run",
        progress=True,
    )
    settings = PrivateBrokerSettings(
        home=config.broker_home, port=BROKER_PORT, controller_port=CONTROLLER_PORT
    )
    problem = _missing(settings)
    if problem is not None:
        unavailable(f"the chaos test cannot run: {problem}")
    try:
        yield config
    finally:
        stop_from_pid_files(tmp_path / "run" / "logs")
        broker.down(settings)
        assert broker.running_pid(settings) is None, "the chaos broker is still running"


def test_short_chaos_run_is_exactly_once(chaos_config: ChaosConfig, tmp_path: Path) -> None:
    outcome: dict[str, Any] = run_chaos(chaos_config)
    path = report.write_json(outcome, tmp_path / "chaos.json")
    report.write_chart(outcome, path.with_suffix(".png"))
    print(report.describe(outcome))

    counts = outcome["schedule"]["counts"]
    assert counts == {
        "kill_worker:cleaner": 1,
        "kill_worker:tagger": 1,
        "kill_worker:deduper": 1,
        "kill_broker": 1,
    }
    assert outcome["schedule"]["all_carried_out"], outcome["schedule"]["errors"]
    assert set(outcome["sent"]["by_generated_kind"]) == {"unique", "exact", "near", "story"}
    delivery, consistency = outcome["delivery"], outcome["consistency"]
    assert delivery["produce_failed"] == 0
    assert outcome["drained"] and outcome["read_complete"]
    assert delivery["lost"] == 0, delivery["lost_ids"]
    assert delivery["doubled"] == 0, delivery["doubled_ids"]
    assert delivery["extra"] == 0, delivery["extra_ids"]
    assert consistency["violations"] == 0, consistency
    assert outcome["offline_agreement"]["compared"] >= 500  # reported, not judged: arrival order may differ
    assert outcome["ok"]
    assert path.with_suffix(".png").stat().st_size > 0
