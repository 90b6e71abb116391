"""The seeded fault schedule of a chaos run (pure: no I/O, no clock).

``schedule`` spreads the faults over the production window, one per equal slot with a seeded
jitter inside it (so two faults are never closer than ``0.4 × slot``), in a seeded order:
``kills_per_stage`` kill -9s of each stage's worker (each restarted at once), ``broker_kills``
kill -9s of the broker (each restarted at once), and, when ``scale`` names a stage, a second worker
of that stage started (``scale_up``) and later stopped with SIGTERM (``scale_down``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["kill_worker", "kill_broker", "scale_up", "scale_down"]
STAGES = ("cleaner", "tagger", "deduper")


@dataclass(frozen=True)
class Fault:
    """One planned fault: when (seconds after the first send), what, on which stage and instance."""

    at: float
    kind: FaultKind
    stage: str | None = None
    instance: int = 0

    def describe(self) -> str:
        """Return a short label such as ``kill_worker tagger#0 @12.3s``."""
        target = f" {self.stage}#{self.instance}" if self.stage else ""
        return f"{self.kind}{target} @{self.at:.1f}s"

    def to_json(self) -> dict[str, Any]:
        """Return the fault as a JSON-ready dict."""
        return asdict(self)


def resolve_scale(seed: int, scale: str | None, stages: Sequence[str] = STAGES) -> str | None:
    """Return the stage to scale: ``scale`` itself, a seeded pick for ``random``, None for none."""
    if scale is None or scale == "none":
        return None
    if scale == "random":
        return random.Random(f"scale-{seed}").choice(list(stages))
    if scale not in stages:
        raise ValueError(f"cannot scale unknown stage {scale!r}; stages are {list(stages)}")
    return scale


def schedule(
    seed: int,
    duration: float,
    *,
    stages: Sequence[str] = STAGES,
    kills_per_stage: int = 3,
    broker_kills: int = 1,
    scale: str | None = None,
    start_frac: float = 0.1,
    end_frac: float = 0.85,
) -> list[Fault]:
    """Return the faults of a run of ``duration`` seconds, sorted by time; the same seed, the same plan."""
    if duration <= 0:
        raise ValueError("duration must be > 0")
    if kills_per_stage < 0 or broker_kills < 0:
        raise ValueError("kill counts must be >= 0")
    if not 0.0 <= start_frac < end_frac <= 1.0:
        raise ValueError("need 0 <= start_frac < end_frac <= 1")
    rng = random.Random(seed)
    scaled = resolve_scale(seed, scale, stages)
    plan: list[tuple[FaultKind, str | None]] = [
        ("kill_worker", stage) for stage in stages for _ in range(kills_per_stage)
    ]
    plan += [("kill_broker", None)] * broker_kills
    rng.shuffle(plan)
    if scaled is not None:
        up = rng.randrange(len(plan) + 1)
        plan.insert(up, ("scale_up", scaled))
        plan.insert(rng.randrange(up + 1, len(plan) + 1), ("scale_down", scaled))
    if not plan:
        return []
    start, end = duration * start_frac, duration * end_frac
    slot = (end - start) / len(plan)
    faults: list[Fault] = []
    scaled_up = False
    for i, (kind, stage) in enumerate(plan):
        at = round(start + slot * (i + rng.uniform(0.2, 0.8)), 1)
        instance = 0
        if kind == "scale_up":
            scaled_up, instance = True, 1
        elif kind == "scale_down":
            scaled_up, instance = False, 1
        elif kind == "kill_worker" and scaled_up and stage == scaled:
            instance = rng.randrange(2)
        faults.append(Fault(at, kind, stage, instance))
    return faults


def counts(faults: Sequence[Fault]) -> dict[str, int]:
    """Return how many faults of each kind (kills per stage as ``kill_worker:<stage>``) a plan holds."""
    out: dict[str, int] = {}
    for fault in faults:
        key = f"{fault.kind}:{fault.stage}" if fault.kind == "kill_worker" else fault.kind
        out[key] = out.get(key, 0) + 1
    return out
