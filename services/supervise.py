"""Running the stage workers as processes and checking that every replayed article came out."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from services.core.consume import Record

STAGES = ("cleaner", "tagger", "deduper")
DEFAULT_PORTS = {"cleaner": 9101, "tagger": 9102, "deduper": 9103}


@dataclass
class WorkerProcess:
    """A ``wirestream worker <stage>`` child process and its metrics port."""

    stage: str
    metrics_port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def metrics_url(self) -> str:
        """Return the worker's /metrics URL."""
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def log_tail(self, lines: int = 25) -> str:
        """Return the end of the worker's log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(
    name: str, stage: str, port: int, module_argv: Sequence[str], env: Mapping[str, str], log_dir: Path
) -> WorkerProcess:
    """Start ``python -m <module_argv>`` in its own process group, logging to ``log_dir/<name>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", *module_argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            start_new_session=True,
        )
    (log_dir / f"{name}.pid").write_text(str(proc.pid))
    return WorkerProcess(stage, port, proc, log_path)


def start_worker(stage: str, port: int, env: Mapping[str, str], log_dir: Path) -> WorkerProcess:
    """Start one stage worker (``wirestream worker <stage>``), logging to ``log_dir/<stage>.log``."""
    child_env = {**env, f"WIRESTREAM_{stage.upper()}_METRICS_PORT": str(port)}
    name = f"{stage}-{port}" if (log_dir / f"{stage}.pid").exists() else stage  # a second one: own log
    return spawn(name, stage, port, ["services.cli", "worker", stage], child_env, log_dir)


def stop_from_pid_files(log_dir: Path) -> list[str]:
    """Stop workers left running (``demo --keep``) by the pid files in ``log_dir``; return their stages."""
    stopped = []
    for pid_file in sorted(log_dir.glob("*.pid")):
        try:
            os.killpg(int(pid_file.read_text().strip()), signal.SIGTERM)
            stopped.append(pid_file.stem)
        except (ValueError, ProcessLookupError, PermissionError):
            pass
        pid_file.unlink(missing_ok=True)
    return stopped


def scrape(url: str, timeout_s: float = 2.0) -> dict[str, float]:
    """Fetch a /metrics page and return ``{'name{label=value,...}': value}`` for every sample."""
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = float(sample.value)
    return samples


def wait_ready(workers: Iterable[WorkerProcess], deadline_s: float = 90.0) -> None:
    """Wait until every worker owns source partitions (per /metrics); raise if one exits or times out."""
    pending = list(workers)
    deadline = time.monotonic() + deadline_s
    while pending:
        worker = pending[0]
        if worker.process.poll() is not None:
            raise RuntimeError(
                f"worker {worker.stage} exited with {worker.process.returncode}:\n{worker.log_tail()}"
            )
        try:
            samples = scrape(worker.metrics_url(), timeout_s=1.0)
            if samples.get(f"wirestream_assigned_partitions{{stage={worker.stage}}}", 0) > 0:
                pending.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"worker {worker.stage} not ready:\n{worker.log_tail()}")
        time.sleep(0.2)


def stop_workers(workers: Iterable[WorkerProcess], timeout_s: float = 30.0) -> None:
    """Stop workers with SIGTERM (faust shuts down cleanly), then SIGKILL after the timeout."""
    workers = list(workers)
    for worker in workers:
        if worker.process.poll() is None:
            os.killpg(worker.process.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
        (worker.log_path.parent / f"{worker.log_path.stem}.pid").unlink(missing_ok=True)


def _parent_of(article_id: str, raw_ids: set[str]) -> str | None:
    if article_id in raw_ids:
        return article_id
    head, sep, _ = article_id.rpartition(".p")
    return head if sep and head in raw_ids else None


@dataclass
class Accounting:
    """Which replayed articles came out, and how: enriched, duplicate or dead-lettered."""

    raw_ids: set[str]
    parts_expected: dict[str, int] = field(default_factory=dict)
    parts_done: dict[str, set[str]] = field(default_factory=dict)
    whole_dlq: set[str] = field(default_factory=set)
    finals: dict[str, Any] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        """Account for one record of the enriched, duplicates or DLQ topic."""
        value = record.value
        if not isinstance(value, dict):
            return
        article_id = value.get("article_id")
        if not isinstance(article_id, str):
            return
        parent = _parent_of(article_id, self.raw_ids)
        if parent is None:
            return
        if "stage" in value and parent == article_id and value.get("stage") == "cleaner":
            self.whole_dlq.add(parent)
            self.finals[article_id] = value
            return
        source = value.get("source") or {}
        self.parts_expected[parent] = int(source.get("parts", 1))
        self.parts_done.setdefault(parent, set()).add(article_id)
        self.finals.setdefault(article_id, value)

    def missing(self) -> set[str]:
        """Return the raw ids not yet fully accounted for."""
        done = {p for p, parts in self.parts_done.items() if len(parts) >= self.parts_expected.get(p, 1)}
        return self.raw_ids - done - self.whole_dlq

    def complete(self, records: list[Record]) -> bool:
        """Account for new records and return True when every raw id is accounted for."""
        for record in records[self._seen :]:
            self.add(record)
        self._seen = len(records)
        return not self.missing()

    _seen: int = 0
