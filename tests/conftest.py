"""Shared fixtures: the real broker (integration/e2e) and per-test topic namespaces."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from services.core.kafka import admin_client, broker_answers, ensure_topics
from services.core.poll import poll_until
from services.core.settings import KafkaSettings
from services.localbroker import broker as localbroker
from services.localbroker.broker import PrivateBrokerSettings
from services.supervise import WorkerProcess, free_port, scrape, start_worker, stop_workers, wait_ready

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = ROOT / "tests" / "data"


def unavailable(message: str) -> NoReturn:
    """A real component a test needs is missing: under CI=true the test fails, elsewhere it skips."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def broker() -> KafkaSettings:
    """The broker started by `make test`; under CI=true its absence fails the test, never skips."""
    kafka = KafkaSettings()
    if not broker_answers(kafka, timeout_s=5.0):
        unavailable(f"no Kafka broker at {kafka.bootstrap_servers}: run `make up` (or `make test`)")
    return kafka


@pytest.fixture
def kafka(broker: KafkaSettings) -> Iterator[KafkaSettings]:
    """Kafka settings with a fresh topic prefix: every test gets its own topics and groups."""
    prefix = f"t{uuid.uuid4().hex[:12]}."
    settings = broker.model_copy(update={"topic_prefix": prefix})
    ensure_topics(settings)
    yield settings
    admin = admin_client(settings)
    try:
        doomed = [t for t in admin.list_topics() if t.startswith(prefix)]
        if doomed:
            admin.delete_topics(doomed, raise_errors=False)
    finally:
        admin.close()


@pytest.fixture
def kafka_env(kafka: KafkaSettings) -> dict[str, str]:
    """Environment that points worker processes at the test's broker and topics."""
    return {
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "WIRESTREAM_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "WIRESTREAM_KAFKA_PARTITIONS": str(kafka.partitions),
    }


@pytest.fixture
def start_workers(kafka_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., list[WorkerProcess]]]:
    """Start stage workers as real processes on the test's topics; stop them after the test."""
    started: list[WorkerProcess] = []

    def start(*stages: str, extra_env: dict[str, str] | None = None) -> list[WorkerProcess]:
        env = dict(kafka_env)
        for stage in stages:
            env[f"WIRESTREAM_{stage.upper()}_DATA_DIR"] = str(tmp_path / "faust")
            env[f"WIRESTREAM_{stage.upper()}_METRICS_HOST"] = "127.0.0.1"
        env.update(extra_env or {})
        workers = [start_worker(s, free_port(), env, tmp_path / "logs") for s in stages]
        started.extend(workers)
        wait_ready(workers)
        return workers

    yield start
    stop_workers(started)


def wait_for_metric(url: str, sample: str, expected: float, deadline_s: float = 15.0) -> None:
    """Wait until a /metrics sample equals ``expected``; fail with the last value after the deadline."""
    seen: list[float | None] = []

    def check() -> bool:
        seen.append(scrape(url).get(sample))
        return seen[-1] == expected

    try:
        poll_until(check, deadline_s=deadline_s, what=f"{sample} == {expected}")
    except TimeoutError:
        pytest.fail(f"{sample} at {url} is {seen[-1] if seen else None}, expected {expected}")


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBrokerSettings]:
    """A broker of the test's own (other ports, own data) that the test may kill; stopped after it."""
    settings = PrivateBrokerSettings(
        home=tmp_path / "kafka", port=free_port(), controller_port=free_port(), heap_opts="-Xms128m -Xmx384m"
    )
    try:
        localbroker.up(settings)
    except Exception as exc:  # no jars or no Java: a failure under CI, a skip elsewhere
        unavailable(f"private broker did not start: {exc}")
    yield settings
    localbroker.kill(settings)
