"""Worker processes for the benchmark: start N per stage, wait for assignment, read CPU and counters."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from services.supervise import WorkerProcess, free_port, scrape, spawn

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def start_process(
    name: str, label: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path
) -> WorkerProcess:
    """Start ``python -m <argv>`` as worker ``name`` (its metrics ``stage`` label is ``label``)."""
    port = free_port()
    stage_env = label.upper().replace("-", "_")
    child_env = {
        **env,
        f"WIRESTREAM_{stage_env}_METRICS_PORT": str(port),
        f"WIRESTREAM_{stage_env}_METRICS_HOST": "127.0.0.1",
        f"WIRESTREAM_{stage_env}_DATA_DIR": str(log_dir / "faust" / name),
        f"WIRESTREAM_{stage_env}_LOG_LEVEL": "warning",
    }
    return spawn(name, label, port, argv, child_env, log_dir)


def wait_assigned(workers: Sequence[WorkerProcess], partitions: int, deadline_s: float = 120.0) -> None:
    """Wait until each stage's workers own all ``partitions`` between them, every worker at least one."""
    deadline = time.monotonic() + deadline_s
    stages = sorted({w.stage for w in workers})
    while True:
        owned: dict[int, float] = {}
        for worker in workers:
            if worker.process.poll() is not None:
                raise RuntimeError(f"worker {worker.stage} exited:\n{worker.log_tail()}")
            try:
                samples = scrape(worker.metrics_url(), timeout_s=1.0)
            except OSError:
                samples = {}
            owned[id(worker)] = samples.get(f"wirestream_assigned_partitions{{stage={worker.stage}}}", 0.0)
        ready = all(
            sum(owned[id(w)] for w in workers if w.stage == s) == partitions
            and all(owned[id(w)] > 0 for w in workers if w.stage == s)
            for s in stages
        )
        if ready:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"workers not assigned after {deadline_s:.0f}s: {[(w.stage, owned[id(w)]) for w in workers]}"
            )
        time.sleep(0.3)


def cpu_seconds(pid: int) -> float:
    """Return user + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu_ticks() -> tuple[int, int]:
    """Return (busy, total) CPU ticks of the whole machine since boot, all cores (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of the machine's CPU capacity (all cores) that was busy between two readings."""
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total > 0 else 0.0


def messages_in(worker: WorkerProcess) -> float:
    """Return the worker's ``wirestream_messages_in_total`` for its stage."""
    return scrape(worker.metrics_url()).get(f"wirestream_messages_in_total{{stage={worker.stage}}}", 0.0)
