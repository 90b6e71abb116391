"""The seeded fault schedule: deterministic, complete, ordered, spread over the window."""

from __future__ import annotations

from itertools import pairwise

import pytest

from services.chaos.faults import STAGES, Fault, counts, resolve_scale, schedule


def test_same_seed_same_plan_and_another_seed_another() -> None:
    a = schedule(7, 300.0, scale="random")
    assert a == schedule(7, 300.0, scale="random")
    assert a != schedule(8, 300.0, scale="random")


def test_plan_holds_every_fault_asked_for() -> None:
    plan = schedule(1, 600.0, kills_per_stage=3, broker_kills=1, scale="tagger")
    assert counts(plan) == {
        "kill_worker:cleaner": 3,
        "kill_worker:tagger": 3,
        "kill_worker:deduper": 3,
        "kill_broker": 1,
        "scale_up": 1,
        "scale_down": 1,
    }
    assert all(isinstance(f, Fault) for f in plan)


@pytest.mark.parametrize("seed", range(20))
def test_faults_are_sorted_spread_and_inside_the_window(seed: int) -> None:
    duration = 200.0
    plan = schedule(seed, duration, kills_per_stage=2, broker_kills=1, scale="random")
    times = [f.at for f in plan]
    assert times == sorted(times)
    assert 0.1 * duration <= times[0] and times[-1] <= 0.85 * duration
    slot = (0.85 - 0.1) * duration / len(plan)
    assert min(b - a for a, b in pairwise(times)) >= 0.4 * slot - 0.1
    kinds = [f.kind for f in plan]
    assert kinds.index("scale_up") < kinds.index("scale_down")


@pytest.mark.parametrize("seed", range(20))
def test_only_the_scaled_stage_targets_a_second_instance_and_only_while_scaled(seed: int) -> None:
    plan = schedule(seed, 100.0, kills_per_stage=3, scale="deduper")
    scaled = False
    for fault in plan:
        if fault.kind == "scale_up":
            scaled = True
        if fault.instance == 1 and fault.kind == "kill_worker":
            assert scaled and fault.stage == "deduper"
        if fault.kind == "scale_down":
            scaled = False


def test_no_scaling_and_no_faults() -> None:
    plan = schedule(3, 60.0, kills_per_stage=1, broker_kills=1, scale=None)
    assert counts(plan) == {f"kill_worker:{s}": 1 for s in STAGES} | {"kill_broker": 1}
    assert schedule(3, 60.0, kills_per_stage=0, broker_kills=0) == []


def test_resolve_scale_and_bad_input() -> None:
    assert resolve_scale(0, "none") is None and resolve_scale(0, None) is None
    assert resolve_scale(0, "tagger") == "tagger"
    assert resolve_scale(5, "random") in STAGES
    with pytest.raises(ValueError, match="unknown stage"):
        resolve_scale(0, "indexer")
    with pytest.raises(ValueError, match="duration"):
        schedule(0, 0.0)
    with pytest.raises(ValueError, match="kill counts"):
        schedule(0, 10.0, kills_per_stage=-1)


def test_describe_and_json() -> None:
    fault = Fault(12.34, "kill_worker", "tagger", 1)
    assert fault.describe() == "kill_worker tagger#1 @12.3s"
    assert fault.to_json() == {"at": 12.34, "kind": "kill_worker", "stage": "tagger", "instance": 1}
    assert Fault(1.0, "kill_broker").describe() == "kill_broker @1.0s"
