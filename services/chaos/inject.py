"""Carrying out a fault schedule against the running cluster, logging every event with its wall time."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from services.chaos.cluster import Cluster
from services.chaos.faults import Fault
from services.localbroker import broker
from services.localbroker.broker import BrokerSettings


class EventLog:
    """Thread-safe list of events (wall time, seconds since the run's t0, kind, target, details)."""

    def __init__(self, echo: bool = True) -> None:
        self.events: list[dict[str, Any]] = []
        self.t0 = time.time()
        self.echo = echo
        self.lock = threading.Lock()

    def __call__(
        self, kind: str, stage: str | None = None, instance: int | None = None, **detail: Any
    ) -> None:
        """Record one event (and print it when echoing)."""
        now = time.time()
        event = {"t": round(now, 3), "rel_s": round(now - self.t0, 2), "kind": kind}
        if stage is not None:
            event["stage"] = stage
        if instance is not None:
            event["instance"] = instance
        event.update(detail)
        with self.lock:
            self.events.append(event)
        if self.echo:
            target = f" {stage}#{instance}" if stage is not None else ""
            extra = " ".join(f"{k}={v}" for k, v in detail.items())
            print(f"[{event['rel_s']:8.1f}s] {kind}{target} {extra}".rstrip(), flush=True)

    def snapshot(self) -> list[dict[str, Any]]:
        """Return a copy of the events so far."""
        with self.lock:
            return list(self.events)


class FaultInjector(threading.Thread):
    """Runs the faults at their times (relative to ``start``), each on a ready target."""

    def __init__(
        self,
        faults: Sequence[Fault],
        cluster: Cluster,
        broker_settings: BrokerSettings,
        log: EventLog,
        *,
        ready_timeout_s: float = 180.0,
    ) -> None:
        super().__init__(name="chaos-faults", daemon=True)
        self.faults = list(faults)
        self.cluster = cluster
        self.broker_settings = broker_settings
        self.log = log
        self.ready_timeout_s = ready_timeout_s
        self.start_at = time.monotonic()
        self.stopping = threading.Event()
        self.done: list[dict[str, Any]] = []
        self.errors: list[str] = []

    def begin(self) -> None:
        """Start the clock of the schedule now, and the thread."""
        self.start_at = time.monotonic()
        self.start()

    def run(self) -> None:
        """Wait for each fault's time, then carry it out; errors are logged and the schedule goes on."""
        for fault in self.faults:
            if self.stopping.wait(max(0.0, self.start_at + fault.at - time.monotonic())):
                return
            try:
                self.execute(fault)
            except Exception as exc:  # a target that never got ready, a broker that did not restart
                self.errors.append(f"{fault.describe()}: {exc!r}")
                self.log("fault_error", fault.stage, fault.instance, error=repr(exc)[:300])

    def execute(self, fault: Fault) -> None:
        """Carry out one fault on a ready target and record when it really happened."""
        cluster, deadline = self.cluster, self.ready_timeout_s
        planned = round(fault.at, 1)
        if fault.kind == "kill_worker":
            assert fault.stage is not None
            instance = fault.instance if fault.instance in cluster.live(fault.stage) else 0
            cluster.wait_ready(deadline, fault.stage, instance)  # kill a worker that is working
            self._record(fault, planned)
            cluster.kill(fault.stage, instance)
        elif fault.kind == "kill_broker":
            cluster.wait_ready(deadline)
            self._record(fault, planned)
            pid = broker.kill(self.broker_settings)
            self.log("broker_kill", pid=pid)
            broker.up(self.broker_settings)  # waits until it answers
            self.log("broker_restart", pid=broker.running_pid(self.broker_settings))
        elif fault.kind == "scale_up":
            assert fault.stage is not None
            self._record(fault, planned)
            cluster.start(fault.stage, fault.instance)
        elif fault.kind == "scale_down":
            assert fault.stage is not None
            cluster.wait_ready(deadline, fault.stage, fault.instance)
            self._record(fault, planned)
            cluster.stop(fault.stage, fault.instance)

    def _record(self, fault: Fault, planned: float) -> None:
        actual = round(time.monotonic() - self.start_at, 1)
        entry = {**fault.to_json(), "planned_s": planned, "actual_s": actual, "t": round(time.time(), 3)}
        self.done.append(entry)
        self.log("fault", fault.stage, fault.instance, what=fault.kind, planned_s=planned, actual_s=actual)

    def finish(self, deadline_s: float) -> bool:
        """Wait for the remaining faults up to the deadline; return True when all were carried out."""
        self.join(timeout=deadline_s)
        if self.is_alive():
            self.stopping.set()
            self.join(timeout=deadline_s)
        return len(self.done) == len(self.faults)
