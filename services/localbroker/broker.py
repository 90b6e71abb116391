"""The local broker: Apache Kafka (KRaft, single node) from Maven Central jars, run with java."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.core.kafka import BrokerUnavailableError, broker_answers, wait_until_ready
from services.core.settings import KafkaSettings

PROJECT_DIR = Path(__file__).resolve().parents[2]


class BrokerSettings(BaseSettings):
    """Where and how the local broker runs (env prefix ``WIRESTREAM_BROKER_``)."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_BROKER_", extra="ignore")

    home: Path = Field(default=PROJECT_DIR / ".cache" / "kafka", description="jars, config, data, log")
    deploy_dir: Path = PROJECT_DIR / "deploy" / "kafka"
    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    heap_opts: str = "-Xms256m -Xmx768m"
    start_timeout_s: float = 120.0
    stop_timeout_s: float = 30.0

    @property
    def lib_dir(self) -> Path:
        """Folder of the broker's jars."""
        return self.home / "lib"

    @property
    def data_dir(self) -> Path:
        """Folder of the broker's log segments and metadata; survives restarts."""
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        """File holding the running broker's process id."""
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        """The broker's console log."""
        return self.home / "broker.log"

    def kafka(self) -> KafkaSettings:
        """Return client settings pointing at this broker."""
        return KafkaSettings(bootstrap_servers=f"{self.host}:{self.port}")

    def config_text(self) -> str:
        """The broker's server.properties: deploy/kafka's template filled with this broker's values."""
        template = Template((self.deploy_dir / "server.properties").read_text())
        return template.substitute(
            port=self.port, controller_port=self.controller_port, data_dir=self.data_dir
        )

    def format_args(self) -> list[str]:
        """Extra ``StorageTool format`` arguments (the secure broker adds its SCRAM users)."""
        return []


@dataclass(frozen=True)
class BrokerStatus:
    """Whether the local broker process runs and whether it answers."""

    pid: int | None
    answering: bool

    def describe(self, settings: BrokerSettings) -> str:
        """Return a one-line human description."""
        where = f"{settings.host}:{settings.port}"
        if self.answering:
            return f"kafka: up at {where} (pid {self.pid or 'unknown'})"
        if self.pid:
            return f"kafka: process {self.pid} running but not answering at {where}"
        return f"kafka: down ({where})"


def _pom_digest(settings: BrokerSettings) -> str:
    return hashlib.sha256((settings.deploy_dir / "pom.xml").read_bytes()).hexdigest()


def install(settings: BrokerSettings) -> Path:
    """Fetch the Kafka jars with Maven into the cache folder (once per pom.xml version)."""
    marker = settings.lib_dir / ".pom-sha256"
    digest = _pom_digest(settings)
    if marker.exists() and marker.read_text().strip() == digest:
        return settings.lib_dir
    settings.lib_dir.mkdir(parents=True, exist_ok=True)
    for old in settings.lib_dir.glob("*.jar"):
        old.unlink()
    cmd = [
        "mvn",
        "-B",
        "-q",
        "-f",
        str(settings.deploy_dir / "pom.xml"),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={settings.lib_dir}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"fetching Kafka jars failed:\n{result.stdout}\n{result.stderr}")
    marker.write_text(digest)
    return settings.lib_dir


def _java(settings: BrokerSettings, *args: str) -> list[str]:
    log_cfg = settings.deploy_dir / "log4j2.properties"
    return [
        "java",
        *settings.heap_opts.split(),
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log_cfg}",
        "-cp",
        f"{settings.lib_dir}/*",
        *args,
    ]


def _render_config(settings: BrokerSettings) -> Path:
    path = settings.home / "server.properties"
    path.write_text(settings.config_text())
    path.chmod(0o600)  # the secure broker's holds its keystore and controller passwords
    return path


def cluster_id() -> str:
    """A random KRaft cluster id that never starts with '-' (argparse would read it as an option)."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def _format_storage(settings: BrokerSettings, config: Path) -> None:
    if (settings.data_dir / "meta.properties").exists():
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cmd = _java(
        settings,
        "kafka.tools.StorageTool",
        "format",
        f"--cluster-id={cluster_id()}",
        "-c",
        str(config),
        *settings.format_args(),
    )
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"formatting Kafka storage failed:\n{result.stdout}\n{result.stderr}")


def _read_pid(settings: BrokerSettings) -> int | None:
    try:
        pid = int(settings.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def status(settings: BrokerSettings) -> BrokerStatus:
    """Return the local broker's status."""
    return BrokerStatus(pid=_read_pid(settings), answering=broker_answers(settings.kafka(), 2.0))


def _log_tail(settings: BrokerSettings, lines: int = 30) -> str:
    try:
        return "\n".join(settings.log_file.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no broker log)"


def up(settings: BrokerSettings) -> bool:
    """Start the broker unless it already answers; wait until it answers. Return True if started."""
    if broker_answers(settings.kafka(), 2.0):
        return False
    settings.home.mkdir(parents=True, exist_ok=True)
    install(settings)
    config = _render_config(settings)
    _format_storage(settings, config)
    with settings.log_file.open("ab") as log:
        proc = subprocess.Popen(
            _java(settings, "kafka.Kafka", str(config)),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    settings.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + settings.start_timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrokerUnavailableError(
                f"the broker exited with code {proc.returncode}; log tail:\n{_log_tail(settings)}"
            )
        try:
            wait_until_ready(settings.kafka(), deadline_s=min(5.0, deadline - time.monotonic()))
            return True
        except BrokerUnavailableError:
            continue
    down(settings)
    raise BrokerUnavailableError(
        f"the broker did not answer within {settings.start_timeout_s:.0f}s; log tail:\n{_log_tail(settings)}"
    )


def down(settings: BrokerSettings) -> bool:
    """Stop the broker started by ``up``; return True if a process was stopped."""
    pid = _read_pid(settings)
    if pid is None:
        settings.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + settings.stop_timeout_s
    while time.monotonic() < deadline and _read_pid(settings) is not None:
        _reap(pid)
        time.sleep(0.2)
    if _read_pid(settings) is not None:
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    settings.pid_file.unlink(missing_ok=True)
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


class PrivateBrokerSettings(BrokerSettings):
    """A broker of its own (home, ports: tests, chaos runs) sharing the project broker's jars."""

    jars_home: Path = PROJECT_DIR / ".cache" / "kafka"

    @property
    def lib_dir(self) -> Path:
        """Folder of the Kafka jars: the project broker's, so they are fetched once."""
        return self.jars_home / "lib"


def running_pid(settings: BrokerSettings) -> int | None:
    """The pid of the broker started by ``up`` when that process still exists."""
    return _read_pid(settings)


def kill(settings: BrokerSettings) -> int | None:
    """``kill -9`` the broker started by ``up`` and reap it; return its pid (None when none ran)."""
    pid = _read_pid(settings)
    if pid is None:
        return None
    os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return pid
