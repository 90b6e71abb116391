"""The chaos report: a JSON document (config, schedule, counts, checks, throughput) and a PNG timeline."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.chaos import agree, faults, verify

if TYPE_CHECKING:
    from services.chaos.cluster import Cluster
    from services.chaos.inject import EventLog, FaultInjector
    from services.chaos.observe import Collector, LagSampler
    from services.chaos.run import ChaosConfig, Sent

MARKS: dict[str, tuple[str, Any, str]] = {
    "kill": ("tab:red", "-", "worker kill -9 (restarted at once)"),
    "crash": ("tab:orange", "-", "worker exited (restarted)"),
    "ready": ("tab:green", ":", "worker ready again"),
    "broker_kill": ("black", "-", "broker kill -9"),
    "broker_restart": ("black", "--", "broker answering again"),
    "scale": ("tab:blue", "-.", "scale 1 -> 2 / 2 -> 1"),
}


@dataclass
class Checks:
    """The verification results of a run."""

    delivery: verify.Delivery
    consistency: verify.Consistency
    stream: dict[str, str]
    offline: dict[str, str] | None
    drain: str
    settled: bool
    read_complete: bool
    all_faults: bool


def per_second(times: Sequence[float], origin: float, until: float) -> list[int]:
    """Return how many of ``times`` fall in each whole second since ``origin``, up to ``until``."""
    series = [0] * (max(0, int(until - origin)) + 1)
    for moment in times:
        slot = int(moment - origin)
        if 0 <= slot < len(series):
            series[slot] += 1
    return series


def _delivery_json(checks: Checks, sent: Sent) -> dict[str, Any]:
    data = checks.delivery.to_json()
    failed = set(sent.failed)
    unacked = [i for i in checks.delivery.lost if verify.parent_of(i, failed) is not None]
    data["produce_failed"] = len(failed)
    data["lost_unacknowledged"] = len(unacked)
    data["lost"] -= len(unacked)
    return data


def build(
    config: ChaosConfig,
    run_id: str,
    prefix: str,
    plan: list[faults.Fault],
    injector: FaultInjector,
    log: EventLog,
    sent: Sent,
    checks: Checks,
    collector: Collector,
    sampler: LagSampler,
    phases: dict[str, float],
    cluster: Cluster,
) -> dict[str, Any]:
    """Assemble the JSON-ready report of a finished run."""
    delivery = _delivery_json(checks, sent)
    consistency = checks.consistency.to_json()
    agreement = (
        agree.agreement(checks.stream, checks.offline, sent.kinds).to_json()
        if checks.offline is not None
        else None
    )
    origin = log.t0
    arrivals = [at for at, out in collector.items]
    end = max([*arrivals, *sent.at, origin])
    enriched_at = [at for at, out in collector.items if out.topic == "enriched"]
    first, last = (min(sent.at), max(arrivals, default=min(sent.at))) if sent.at else (origin, origin)
    produce_s = phases.get("produce_s") or 0.0
    ok = (
        delivery["lost"] == 0
        and delivery["doubled"] == 0
        and consistency["violations"] == 0
        and delivery["produce_failed"] == 0
        and checks.read_complete
    )
    return {
        "run_id": run_id,
        "topic_prefix": prefix,
        "seed": config.seed,
        "config": config.to_json(),
        "ok": ok,
        "schedule": {
            "planned": [f.to_json() for f in plan],
            "counts": faults.counts(plan),
            "executed": injector.done,
            "errors": injector.errors,
            "all_carried_out": checks.all_faults,
        },
        "events": log.snapshot(),
        "workers": cluster.summary(),
        "sent": {
            "articles": len(sent.ids),
            "by_generated_kind": dict(Counter(sent.kinds.values())),
            "ids_in_order": sent.ids,
        },
        "delivery": delivery,
        "consistency": consistency,
        "offline_agreement": agreement,
        "stream_statuses": dict(Counter(checks.stream.values())),
        "stream_statuses_by_generated_kind": agree.by_kind(checks.stream, sent.kinds, sent.ids),
        "drain_ended": checks.drain,
        "drained": checks.drain == "complete" or delivery["lost"] == 0,
        "settled": checks.settled,
        "read_complete": checks.read_complete,
        "throughput": {
            "produced_per_s": round(len(sent.ids) / produce_s, 2) if produce_s else None,
            "delivered_per_s": round(delivery["delivered"] / (last - first), 2) if last > first else None,
            "first_send_to_last_output_s": round(last - first, 1),
        },
        "phases_s": {k: round(v, 1) for k, v in phases.items()},
        "duration_s": round(phases.get("total_s", 0.0), 1),
        "series": {
            "origin": origin,
            "sent_per_s": per_second(sent.at, origin, end),
            "enriched_per_s": per_second(enriched_at, origin, end),
            "lag": [{"t": round(t - origin, 1), **lags} for t, lags in sampler.samples],
        },
    }


def write_json(report: dict[str, Any], path: Path) -> Path:
    """Write the report as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


def _mark(event: dict[str, Any]) -> str | None:
    kind = str(event.get("kind"))
    if kind in ("kill", "crash", "broker_kill", "broker_restart"):
        return kind
    if kind == "ready" and int(event.get("start", 1)) > 1:
        return "ready"
    if kind == "fault" and str(event.get("what", "")).startswith("scale"):
        return "scale"
    return None


def write_chart(report: dict[str, Any], path: Path) -> Path:
    """Draw enriched throughput and per-group lag over time, with a vertical mark per fault event."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    series = report["series"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    seconds = list(range(len(series["sent_per_s"])))
    ax1.plot(seconds, series["sent_per_s"], label="sent/s", color="tab:gray", linewidth=0.8)
    ax1.plot(seconds, series["enriched_per_s"], label="enriched/s", color="tab:blue", linewidth=1.0)
    ax1.set_ylabel("articles / s")
    d, c = report["delivery"], report["consistency"]
    ax1.set_title(
        f"chaos {report['run_id']} seed {report['seed']}: {report['sent']['articles']} articles; "
        f"lost {d['lost']}, doubled {d['doubled']}, extra {d['extra']}, violations {c['violations']}"
    )
    groups = sorted({k for point in series["lag"] for k in point if k != "t"})
    for group in groups:
        values = [float("nan") if p.get(group) is None else p[group] for p in series["lag"]]
        ax2.plot([p["t"] for p in series["lag"]], values, label=group.rsplit("-", 1)[-1])  # gaps: no answer
    ax2.set_ylabel("consumer lag (messages)")
    ax2.set_xlabel("seconds since the run started")
    used: set[str] = set()
    for event in report["events"]:
        mark = _mark(event)
        if mark is None:
            continue
        color, style, _ = MARKS[mark]
        used.add(mark)
        for ax in (ax1, ax2):
            ax.axvline(event["rel_s"], color=color, linestyle=style, linewidth=0.9, alpha=0.8)
    handles = [
        Line2D([], [], color=MARKS[m][0], linestyle=MARKS[m][1], label=MARKS[m][2])
        for m in MARKS
        if m in used
    ]
    ax1.legend(handles=[*ax1.get_legend_handles_labels()[0], *handles], loc="upper right", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def describe(report: dict[str, Any]) -> str:
    """Return the human summary printed at the end of a run."""
    d, c, a = report["delivery"], report["consistency"], report["offline_agreement"]
    agreement = (
        f"offline agreement {a['rate']:.2%} ({a['agreed']}/{a['compared']}, {a['disagreements']} differ)"
        if a and a["rate"] is not None
        else "offline agreement: not run"
    )
    executed = report["schedule"]["executed"]
    return "\n".join(
        [
            f"chaos run {report['run_id']} (seed {report['seed']}): {report['sent']['articles']} articles, "
            f"{len(executed)}/{len(report['schedule']['planned'])} faults carried out "
            f"({report['schedule']['counts']})",
            f"lost {d['lost']}, doubled {d['doubled']} (+{d['extra_copies']} copies, "
            f"{d['doubled_with_conflicting_status']} with conflicting status), extra {d['extra']}, "
            f"produce failures {d['produce_failed']}; outputs {d['by_topic']}",
            f"consistency violations {c['violations']} (dangling of {c['dangling_of']}, dangling story "
            f"{c['dangling_story']}, self {c['self_of']}, mutual {c['mutual']}, cycles {c['cycles']}, "
            f"malformed {c['malformed']})",
            agreement,
            f"drained {report['drained']} (drain ended: {report.get('drain_ended')}), "
            f"settled {report['settled']}, "
            f"read complete {report['read_complete']}; "
            f"throughput {report['throughput']}; duration {report['duration_s']}s {report['phases_s']}",
            "RESULT: " + ("exactly once" if report["ok"] else "NOT exactly once"),
        ]
    )
