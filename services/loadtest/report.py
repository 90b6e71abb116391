"""The load-test report: a JSON summary of a run and a PNG chart (throughput, latency, lag over time)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from services.core.settings import DLQ, DUPLICATES
from services.loadtest import measure
from services.loadtest.runner import RunResult

# Hops between the stages' timestamps (each stamped when the stage starts on the article): a hop
# holds the earlier stage's own work and the wait before the later one; "deduped_to_received" ends at the
# load test's consumer.
STAMPS = (
    ("ingested_to_cleaned", "ingested", "cleaned"),
    ("cleaned_to_tagged", "cleaned", "tagged"),
    ("tagged_to_deduped", "tagged", "deduped"),
)


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _parent(article_id: str, sent: set[str]) -> str | None:
    if article_id in sent:
        return article_id
    head, sep, _ = article_id.rpartition(".p")
    return head if sep and head in sent else None


# Articles sent in the first seconds meet workers that are still joining their groups, opening their
# transactions and restoring state: ``latency_steady_s`` leaves them out (``latency_s`` keeps all).
WARMUP_S = 5.0


def summarize(
    result: RunResult, *, lag_window_s: float | None = None, warmup_s: float = WARMUP_S
) -> dict[str, Any]:
    """Return the JSON-ready summary of a run: throughput, latency, lag, DLQ, completeness."""
    config = result.config
    sent_ids = {s.article_id for s in result.sent}
    first_send = min((s.at for s in result.sent), default=result.ended)
    prefix = result.topic_prefix
    kinds = {prefix + DUPLICATES: "duplicates", prefix + DLQ: "dlq"}
    latencies: list[tuple[float, float]] = []
    stage_lat: dict[str, list[float]] = {name: [] for name, _, _ in STAMPS}
    stage_lat["deduped_to_received"] = []
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    completed: dict[str, float] = {}
    for received, record in result.outputs:
        value = record.value if isinstance(record.value, dict) else {}
        parent = _parent(str(value.get("article_id", "")), sent_ids)
        if parent is None:
            continue
        kind = kinds.get(record.topic, "enriched")
        counts[kind] += 1
        completed[parent] = max(completed.get(parent, 0.0), received)
        if kind == "dlq":
            reasons[f"{value.get('stage')}:{value.get('reason')}"] += 1
            continue
        statuses[str((value.get("duplicate") or {}).get("status", "none"))] += 1
        stamps = {k: _epoch(v) for k, v in (value.get("timestamps") or {}).items()}
        if stamps.get("ingested") is not None:
            latencies.append((received, received - (stamps["ingested"] or 0.0)))
        for name, before, after in STAMPS:
            a, b = stamps.get(before), stamps.get(after)
            if a is not None and b is not None:
                stage_lat[name].append(b - a)
        if stamps.get("deduped") is not None:
            stage_lat["deduped_to_received"].append(received - (stamps["deduped"] or 0.0))
    produce_s = max(result.produce_end - first_send, 1e-9)
    window = lag_window_s or min(30.0, max(5.0, produce_s / 2))
    total_lag = [(t, float(sum(v or 0 for v in lags.values()))) for t, lags in result.lag]
    verdict = measure.lag_growth(
        total_lag, end=result.produce_end, window_s=window, rate=config.rate or len(result.sent) / produce_s
    )
    last_out = max((t for t, _ in result.outputs), default=result.ended)
    end = max(result.ended, last_out)
    values = [v for _, v in latencies]
    steady = [v for received, v in latencies if received - v >= first_send + warmup_s]
    return {
        "label": config.label,
        "config": {
            "rate": config.rate,
            "duration_s": config.duration_s,
            "count": config.count,
            "topic_prefix": prefix,
            "groups": dict(config.groups or {}),
        },
        "produced": len(result.sent),
        "produced_by_kind": dict(Counter(s.kind for s in result.sent)),
        "produced_by_lang": dict(Counter(s.lang for s in result.sent)),
        "produce_seconds": round(produce_s, 3),
        "produce_rate": round(len(result.sent) / produce_s, 2),
        "outputs": dict(counts),
        "statuses": dict(statuses),
        "dlq_count": counts["dlq"],
        "dlq_reasons": dict(reasons),
        "completed": len(completed),
        "lost": len(result.missing),
        "lost_sample": sorted(result.missing)[:20],
        "nothing_lost": not result.missing and result.drained,
        "throughput": {
            "sustained_per_s": round(measure.sustained_rate(first_send, list(completed.values())), 2),
            "steady_per_s": round(measure.steady_rate(list(completed.values()), skip=1), 2),
        },
        "latency_s": measure.latency_summary(values),
        "latency_steady_s": {"warmup_s": warmup_s, **measure.latency_summary(steady)},
        "stage_latency_s": {k: measure.latency_summary(v) for k, v in stage_lat.items()},
        "lag": {
            "max_by_group": {
                g: max((lags.get(g) or 0 for _, lags in result.lag), default=0) for g in (config.groups or {})
            },
            "growth": verdict.to_dict(),
        },
        "sustained": bool(not result.missing and result.drained and not verdict.grows),
        "series": _series(result, first_send, end, latencies),
    }


def _series(
    result: RunResult, start: float, end: float, latencies: list[tuple[float, float]]
) -> dict[str, Any]:
    """Per-second series from the first send: sent, out, latency p50/p99, lag per group."""
    outs = [t for t, _ in result.outputs]
    p50 = measure.bucket_percentile(latencies, start, end, 50)
    p99 = measure.bucket_percentile(latencies, start, end, 99)
    return {
        "t0": start,
        "sent": measure.bucket_counts([s.at for s in result.sent], start, end),
        "out": measure.bucket_counts(outs, start, end),
        "latency_p50_s": [round(v, 4) if v is not None else None for v in p50],
        "latency_p99_s": [round(v, 4) if v is not None else None for v in p99],
        "lag": [{"t": round(t - start, 2), **lags} for t, lags in result.lag],
    }


def write_json(report: dict[str, Any], path: Path) -> Path:
    """Write a report as indented JSON (parents created); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_chart(report: dict[str, Any], path: Path) -> Path:
    """Draw throughput, latency and lag over time into a PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = report["series"]
    seconds = list(range(len(series["sent"])))
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    ax1.plot(seconds, series["sent"], label="sent/s", color="tab:gray")
    ax1.plot(seconds, series["out"], label="out/s", color="tab:blue")
    ax1.set_ylabel("articles / s")
    ax1.legend(loc="upper right")
    ax1.set_title(f"{report['label']}: {report['produced']} articles, rate {report['config']['rate']}")
    for key, color in (("latency_p50_s", "tab:green"), ("latency_p99_s", "tab:red")):
        points = [(s, v) for s, v in zip(seconds, series[key], strict=True) if v is not None]
        ax2.plot([s for s, _ in points], [v for _, v in points], label=key[8:11], color=color)
    ax2.set_ylabel("end-to-end latency (s)")
    ax2.legend(loc="upper right")
    for group in report["config"]["groups"]:
        points = [(p["t"], p.get(group)) for p in series["lag"] if p.get(group) is not None]
        ax3.plot([t for t, _ in points], [v for _, v in points], label=group.rsplit("-", 1)[-1])
    ax3.set_ylabel("consumer lag (messages)")
    ax3.set_xlabel("seconds since the first send")
    ax3.legend(loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def describe(report: dict[str, Any]) -> str:
    """Return a short human summary of a report."""
    lat = report["latency_s"]
    growth = report["lag"]["growth"]
    return (
        f"{report['label']}: produced {report['produced']} at {report['produce_rate']}/s; "
        f"completed {report['completed']} (lost {report['lost']}, dlq {report['dlq_count']}); "
        f"sustained {report['throughput']['sustained_per_s']}/s; latency p50 {_ms(lat['p50'])}, "
        f"p95 {_ms(lat['p95'])}, p99 {_ms(lat['p99'])}, max {_ms(lat['max'])}; lag slope "
        f"{growth['slope']}/s (threshold {growth['threshold']}) -> "
        f"{'GROWS' if growth['grows'] else 'stable'}; "
        f"{'SUSTAINED' if report['sustained'] else 'NOT sustained'}"
    )
