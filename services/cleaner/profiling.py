"""Optional per-step timing for clean(): perf_counter accumulators keyed by step name."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

STEPS = ("repair", "html_extraction", "boilerplate", "split", "dedupe_paragraphs", "metadata")


class StepTimer:
    """Accumulates wall time per pipeline step across many clean() calls."""

    def __init__(self) -> None:
        """Start with empty accumulators."""
        self.seconds: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the enclosed block and add it to `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def shares(self) -> dict[str, float]:
        """Each step's share of the total measured time (0..1)."""
        total = sum(self.seconds.values()) or 1.0
        return {name: self.seconds.get(name, 0.0) / total for name in STEPS}


@contextmanager
def maybe_step(timer: StepTimer | None, name: str) -> Iterator[None]:
    """Time a block when a timer is given, else do nothing."""
    if timer is None:
        yield
        return
    with timer.step(name):
        yield
