"""The chaos run's own broker and stage workers: start, kill -9, restart, scale, supervise."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.core.poll import poll_until
from services.localbroker import broker
from services.localbroker.broker import BrokerSettings
from services.supervise import STAGES, WorkerProcess, free_port, scrape, spawn, stop_workers

Log = Callable[..., None]
RESTART_BACKOFF_S = 2.0


def start_broker(settings: BrokerSettings, *, fresh: bool = True) -> None:
    """Start the chaos broker (stopping a leftover of an earlier run first); wait until it answers."""
    if broker.status(settings).answering:
        if broker.running_pid(settings) is None:
            raise RuntimeError(
                f"something else answers on {settings.host}:{settings.port}; choose other --broker-port"
            )
        broker.down(settings)  # our own leftover: its pid file is in our home
    if fresh:
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    broker.up(settings)


@dataclass
class Slot:
    """One worker position (stage, instance): the process filling it and whether it should run."""

    stage: str
    instance: int
    worker: WorkerProcess | None = None
    wanted: bool = False
    ready: bool = False
    started_at: float = 0.0
    starts: int = 0

    @property
    def name(self) -> str:
        """Return the slot's name, e.g. ``tagger-1`` (its log file and data dir)."""
        return f"{self.stage}-{self.instance}"

    def pid(self) -> int | None:
        """Return the pid of the running process, if any."""
        return self.worker.process.pid if self.worker and self.worker.process.poll() is None else None


@dataclass
class Cluster:
    """Worker processes of the three stages, restarted when they exit unbidden (like an orchestrator)."""

    env: Mapping[str, str]
    run_dir: Path
    log: Log
    src: Path | None = None
    slots: dict[tuple[str, int], Slot] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    stopping: threading.Event = field(default_factory=threading.Event)
    monitor: threading.Thread | None = None

    def _child_env(self, slot: Slot, port: int) -> dict[str, str]:
        prefix = f"WIRESTREAM_{slot.stage.upper()}_"
        env = {
            **self.env,
            f"{prefix}METRICS_PORT": str(port),
            f"{prefix}METRICS_HOST": "127.0.0.1",
            f"{prefix}DATA_DIR": str(self.run_dir / "data" / slot.name),
        }
        if self.src is not None:  # run the workers of another source tree (e.g. the last commit)
            env["PYTHONPATH"] = str(self.src)
            env["PYTHONSAFEPATH"] = "1"
        return env

    def start(self, stage: str, instance: int = 0) -> Slot:
        """Start (or restart) the worker of a slot at once; readiness is watched by the monitor."""
        with self.lock:
            slot = self.slots.setdefault((stage, instance), Slot(stage, instance))
            port = free_port()
            argv = ["services.cli", "worker", stage]
            slot.worker = spawn(
                slot.name, stage, port, argv, self._child_env(slot, port), self.run_dir / "logs"
            )
            slot.wanted, slot.ready = True, False
            slot.started_at = time.monotonic()
            slot.starts += 1
            self.log("start" if slot.starts == 1 else "restart", stage, instance, pid=slot.worker.process.pid)
            return slot

    def kill(self, stage: str, instance: int = 0) -> int | None:
        """kill -9 the slot's worker (its whole process group), reap it, and restart it at once."""
        with self.lock:
            slot = self.slots.get((stage, instance))
            if slot is None or slot.worker is None:
                return None
            proc = slot.worker.process
            pid = proc.pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            proc.wait(timeout=30)
            self.log("kill", stage, instance, pid=pid)
            self.start(stage, instance)
            return pid

    def stop(self, stage: str, instance: int) -> None:
        """Stop the slot's worker with SIGTERM (graceful) and leave the slot empty."""
        with self.lock:
            slot = self.slots.get((stage, instance))
            if slot is None or slot.worker is None:
                return
            slot.wanted = False
            worker = slot.worker
        stop_workers([worker])
        self.log("stop", stage, instance, pid=worker.process.pid, rc=worker.process.returncode)

    def is_ready(self, stage: str, instance: int = 0) -> bool:
        """Return True when the slot's current worker owns source partitions."""
        slot = self.slots.get((stage, instance))
        return bool(slot and slot.wanted and slot.ready)

    def live(self, stage: str) -> list[int]:
        """Return the instances of a stage that should be running."""
        return sorted(i for (s, i), slot in self.slots.items() if s == stage and slot.wanted)

    def all_ready(self) -> bool:
        """Return True when every wanted worker is ready."""
        with self.lock:
            return all(s.ready for s in self.slots.values() if s.wanted)

    def wait_ready(self, deadline_s: float, stage: str | None = None, instance: int = 0) -> None:
        """Wait until one slot, or every wanted slot, is ready; TimeoutError after the deadline."""
        if stage is None:
            poll_until(self.all_ready, deadline_s=deadline_s, what="every worker ready")
        else:
            check = lambda: self.is_ready(stage, instance)  # noqa: E731
            poll_until(check, deadline_s=deadline_s, what=f"{stage}#{instance} ready")

    def watch(self) -> None:
        """Start the monitor thread: readiness from /metrics, restarts of workers that exited."""
        self.monitor = threading.Thread(target=self._watch, name="chaos-monitor", daemon=True)
        self.monitor.start()

    def _watch(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                slots = [s for s in self.slots.values() if s.wanted and s.worker is not None]
            for slot in slots:
                self._check(slot)

    def _check(self, slot: Slot) -> None:
        worker = slot.worker
        assert worker is not None
        rc = worker.process.poll()
        if rc is not None:
            with self.lock:
                due = time.monotonic() - slot.started_at >= RESTART_BACKOFF_S
                if slot.wanted and slot.worker is worker and due and not self.stopping.is_set():
                    self.log("crash", slot.stage, slot.instance, pid=worker.process.pid, rc=rc)
                    self.start(slot.stage, slot.instance)
            return
        if slot.ready:
            return
        try:
            samples = scrape(worker.metrics_url(), timeout_s=1.0)
        except OSError:
            return
        if samples.get(f"wirestream_assigned_partitions{{stage={slot.stage}}}", 0) > 0:
            with self.lock:
                if slot.worker is worker and not slot.ready:
                    slot.ready = True
                    self.log("ready", slot.stage, slot.instance, pid=worker.process.pid, start=slot.starts)

    def stop_all(self) -> None:
        """Stop the monitor, then every worker (SIGTERM, SIGKILL after a timeout)."""
        self.stopping.set()
        if self.monitor is not None:
            self.monitor.join(timeout=10)
        with self.lock:
            workers = [s.worker for s in self.slots.values() if s.worker is not None]
            for slot in self.slots.values():
                slot.wanted = False
        stop_workers(workers, timeout_s=20)

    def summary(self) -> dict[str, Any]:
        """Return per slot how often its worker was started."""
        return {slot.name: {"starts": slot.starts} for slot in self.slots.values()}


def start_stages(cluster: Cluster) -> None:
    """Start one worker of every stage."""
    for stage in STAGES:
        cluster.start(stage)
