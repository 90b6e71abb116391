"""The compose stack on a real engine (podman): images, a podman-compose project per run, teardown."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pytest

from services.core.poll import poll_until
from services.core.settings import KafkaSettings
from services.supervise import STAGES, free_port, scrape
from tests.conftest import unavailable
from tests.containers.engine import Compose, missing_engine
from tests.containers.images import LOG_DIR, Images, ensure_images

# Host ports of the stack: chosen free per run, so the local broker (9092/9093) and local workers can
# keep running; every one is published on 127.0.0.1 only (docker-compose.yml).
PORT_VARIABLES = (
    "WIRESTREAM_KAFKA_HOST_PORT",
    "WIRESTREAM_CLEANER_HOST_PORT",
    "WIRESTREAM_TAGGER_HOST_PORT",
    "WIRESTREAM_DEDUPER_HOST_PORT",
    "WIRESTREAM_PROMETHEUS_HOST_PORT",
    "WIRESTREAM_GRAFANA_HOST_PORT",
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (``make test-containers`` runs ``pytest tests/containers``)."""
    config.addinivalue_line("markers", "containers: the compose stack on a real container engine")


@dataclass(frozen=True)
class Stack:
    """A running compose project: its handle, its host ports and Kafka settings for the host."""

    compose: Compose
    ports: dict[str, int]
    kafka: KafkaSettings

    def metrics_url(self, stage: str) -> str:
        """The /metrics URL of a stage's container, through its published port."""
        return f"http://127.0.0.1:{self.ports[f'WIRESTREAM_{stage.upper()}_HOST_PORT']}/metrics"

    def prometheus_url(self, path: str) -> str:
        """A URL of the compose Prometheus."""
        return f"http://127.0.0.1:{self.ports['WIRESTREAM_PROMETHEUS_HOST_PORT']}{path}"


@pytest.fixture(scope="session")
def images() -> Images:
    """The local images (cached); under CI=true a missing engine fails the run instead of skipping."""
    reason = missing_engine()
    if reason:
        unavailable(f"no container engine: {reason}")
    return ensure_images()


def _ready(stack: Stack, stage: str) -> bool:
    """The worker's compose health check passes and it owns source partitions (its /metrics says so)."""
    if not stack.compose.healthy(stage):
        return False
    try:
        samples = scrape(stack.metrics_url(stage), timeout_s=2.0)
    except OSError:
        return False
    return samples.get(f"wirestream_assigned_partitions{{stage={stage}}}", 0) > 0


def _start(stack: Stack) -> None:
    """Start the services in depends_on order, polling readiness (podman-compose ignores conditions)."""
    compose = stack.compose
    compose.run("up", "-d", "kafka")
    poll_until(lambda: compose.healthy("kafka"), deadline_s=180, interval_s=2, what="kafka health check")
    compose.run("up", "-d", "--no-deps", "topics")
    poll_until(
        lambda: compose.state("topics").get("Status") == "exited", deadline_s=150, what="topics exited"
    )
    exit_code = compose.state("topics").get("ExitCode")
    assert exit_code == 0, f"topics exited {exit_code}:\n{compose.logs('topics')}"
    compose.run("up", "-d", "--no-deps", *STAGES, "prometheus")
    for stage in STAGES:
        poll_until(partial(_ready, stack, stage), deadline_s=180, interval_s=1, what=f"{stage} ready")


@pytest.fixture(scope="module")
def stack(images: Images) -> Iterator[Stack]:
    """docker-compose.yml up (without Grafana) on the local images; everything removed afterwards."""
    ports = {name: free_port() for name in PORT_VARIABLES}
    variables = {
        **images.compose_variables(),
        **{name: str(port) for name, port in ports.items()},
        # Grafana is not started (profile `grafana`); its required variable only has to be set.
        "GRAFANA_ADMIN_PASSWORD": uuid.uuid4().hex,
    }
    compose = Compose(project=f"wstest{uuid.uuid4().hex[:8]}", variables=variables, profiles=("replay",))
    kafka = KafkaSettings(
        bootstrap_servers=f"127.0.0.1:{ports['WIRESTREAM_KAFKA_HOST_PORT']}", topic_prefix=""
    )
    running = Stack(compose=compose, ports=ports, kafka=kafka)
    try:
        try:
            _start(running)
        except (AssertionError, TimeoutError, RuntimeError) as exc:
            logs = "\n".join(
                f"--- {s}\n{compose.logs(s)}" for s in ("kafka", "topics", *STAGES, "prometheus")
            )
            report = f"the compose stack did not start: {exc}\n{logs}"
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            (LOG_DIR / "compose-failure.log").write_text(report)
            raise AssertionError(report) from exc
        yield running
    finally:
        leftovers = compose.down()
        if leftovers:
            print(f"removed after `down`: {leftovers}")
