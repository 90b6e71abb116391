"""Load-test statistics: percentiles, buckets, least-squares slope and the lag-growth verdict."""

from __future__ import annotations

import random

import pytest

from services.loadtest import measure


def test_percentile_linear_interpolation() -> None:
    values = [float(v) for v in range(1, 101)]
    assert measure.percentile(values, 50) == pytest.approx(50.5)
    assert measure.percentile(values, 99) == pytest.approx(99.01)
    assert measure.percentile(values, 0) == 1.0
    assert measure.percentile(values, 100) == 100.0
    assert measure.percentile([3.0], 95) == 3.0
    assert measure.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="empty"):
        measure.percentile([], 50)
    with pytest.raises(ValueError, match="q must"):
        measure.percentile([1.0], 101)


def test_latency_summary() -> None:
    summary = measure.latency_summary([0.1, 0.2, 0.3, 0.4, 1.0])
    assert summary["count"] == 5
    assert summary["p50"] == pytest.approx(0.3)
    assert summary["max"] == pytest.approx(1.0)
    assert measure.latency_summary([])["p99"] is None


def test_buckets() -> None:
    assert measure.bucket_counts([0.1, 0.5, 1.2, 2.9, 5.0], start=0.0, end=3.0) == [2, 1, 1]
    assert measure.bucket_counts([1.0], start=2.0, end=2.0) == []
    points = [(0.1, 1.0), (0.2, 3.0), (1.5, 7.0)]
    assert measure.bucket_percentile(points, 0.0, 3.0, 50) == [2.0, 7.0, None]


def test_slope() -> None:
    assert measure.slope([(t, 3.0 * t + 2.0) for t in range(10)]) == pytest.approx(3.0)
    assert measure.slope([(1.0, 5.0)]) == 0.0
    assert measure.slope([(1.0, 5.0), (1.0, 6.0)]) == 0.0


def test_lag_growth_detects_backlog_and_ignores_sawtooth() -> None:
    rate = 20.0
    # keeps up: committed offsets every 3 s make a saw-tooth of about rate * 3 messages
    sawtooth = [(float(t), rate * (t % 3) + random.Random(t).random()) for t in range(60)]
    stable = measure.lag_growth(sawtooth, end=59.0, window_s=30.0, rate=rate)
    assert not stable.grows
    assert abs(stable.slope) < stable.threshold
    # falls behind by 5 msg/s on top of the saw-tooth
    growing = [(t, lag + 5.0 * t) for t, lag in sawtooth]
    verdict = measure.lag_growth(growing, end=59.0, window_s=30.0, rate=rate)
    assert verdict.grows
    assert verdict.slope == pytest.approx(5.0, abs=1.0)
    assert verdict.threshold == pytest.approx(max(measure.MIN_SLOPE, measure.REL_SLOPE * rate))
    assert verdict.to_dict()["grows"] is True


def test_lag_growth_needs_samples_in_window() -> None:
    verdict = measure.lag_growth([(0.0, 0.0), (100.0, 1000.0)], end=100.0, window_s=10.0, rate=1.0)
    assert verdict.samples == 1
    assert not verdict.grows


def test_rates() -> None:
    assert measure.sustained_rate(0.0, [1.0, 2.0, 4.0]) == pytest.approx(0.75)
    assert measure.sustained_rate(0.0, []) == 0.0
    assert measure.steady_rate([1.0, 2.0, 3.0, 5.0]) == pytest.approx(0.75)
    assert measure.steady_rate([1.0, 2.0, 3.0, 5.0], skip=1) == pytest.approx(2 / 3)
    assert measure.steady_rate([1.0]) == 0.0
