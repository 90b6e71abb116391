"""Statistics of a load test (pure): percentiles, per-second series, lag growth.

Lag growth: fit ``lag(t) = a + b·t`` by least squares to the lag samples of the last ``window_s``
seconds of the produce phase. The lag *grows without bound* when the slope ``b`` (messages per
second) exceeds ``max(min_slope, rel_slope × rate)``: with the defaults, more than 1 msg/s and
more than 10 % of the input rate keeps piling up. The relative part absorbs the saw-tooth of
committed offsets (faust commits every ~2.8 s, so lag swings by about ``rate × 2.8`` even when the
pipeline keeps up); the absolute part ignores noise at very low rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

MIN_SLOPE = 1.0
REL_SLOPE = 0.10


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 <= q <= 100.0:
        raise ValueError("q must be within [0, 100]")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """Return count, mean, p50, p95, p99 and max of latencies (None when there are none)."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    return {
        "count": len(values),
        "mean": round(sum(values) / len(values), 4),
        "p50": round(percentile(values, 50), 4),
        "p95": round(percentile(values, 95), 4),
        "p99": round(percentile(values, 99), 4),
        "max": round(max(values), 4),
    }


def bucket_counts(times: Sequence[float], start: float, end: float, bucket_s: float = 1.0) -> list[int]:
    """Count events per bucket of ``bucket_s`` seconds from ``start`` to ``end`` (events outside dropped)."""
    if end <= start:
        return []
    counts = [0] * math.ceil((end - start) / bucket_s)
    for t in times:
        i = int((t - start) // bucket_s)
        if 0 <= i < len(counts):
            counts[i] += 1
    return counts


def bucket_percentile(
    points: Sequence[tuple[float, float]], start: float, end: float, q: float, bucket_s: float = 1.0
) -> list[float | None]:
    """Return the q-th percentile of the values of ``(time, value)`` points per bucket (None if empty)."""
    if end <= start:
        return []
    buckets: list[list[float]] = [[] for _ in range(math.ceil((end - start) / bucket_s))]
    for t, v in points:
        i = int((t - start) // bucket_s)
        if 0 <= i < len(buckets):
            buckets[i].append(v)
    return [percentile(b, q) if b else None for b in buckets]


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Return the least-squares slope of y over x (0.0 with fewer than two distinct x)."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


@dataclass(frozen=True)
class LagVerdict:
    """Whether lag grew over the window: the fitted slope, the threshold, the samples used."""

    slope: float
    threshold: float
    window_s: float
    samples: int
    last_lag: float
    grows: bool

    def to_dict(self) -> dict[str, float | int | bool]:
        """Return the verdict as a JSON-ready dict."""
        data = asdict(self)
        data["slope"] = round(self.slope, 3)
        data["threshold"] = round(self.threshold, 3)
        return data


def lag_growth(
    samples: Sequence[tuple[float, float]],
    *,
    end: float,
    window_s: float,
    rate: float,
    min_slope: float = MIN_SLOPE,
    rel_slope: float = REL_SLOPE,
) -> LagVerdict:
    """Decide whether lag grows: slope over ``(end - window_s, end]`` above the documented threshold."""
    window = [(t, lag) for t, lag in samples if end - window_s < t <= end]
    threshold = max(min_slope, rel_slope * rate)
    fitted = slope(window)
    last = window[-1][1] if window else 0.0
    return LagVerdict(fitted, threshold, window_s, len(window), last, len(window) >= 3 and fitted > threshold)


def sustained_rate(first_send: float, completions: Sequence[float]) -> float:
    """Articles per second from the first send to the last completion (0.0 when none completed)."""
    if not completions:
        return 0.0
    span = max(completions) - first_send
    return len(completions) / span if span > 0 else 0.0


def steady_rate(times: Sequence[float], skip: int = 0) -> float:
    """Rate between the ``skip``-th and the last event time: (n - 1 - skip) / span, no start-up."""
    ordered = sorted(times)[skip:]
    if len(ordered) < 2 or ordered[-1] <= ordered[0]:
        return 0.0
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])
