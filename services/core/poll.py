"""Waiting on a condition with a deadline (readiness checks, never fixed sleeps)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    check: Callable[[], T | None], *, deadline_s: float, interval_s: float = 0.2, what: str = "condition"
) -> T:
    """Call ``check`` until it returns something truthy and return it; TimeoutError after the deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not met within {deadline_s:.0f}s (last: {result!r})")
        time.sleep(interval_s)
