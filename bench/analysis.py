"""Ratios, targets and advice of the pipeline benchmark, computed from one run's figures (pure)."""

from __future__ import annotations

from typing import Any

STAGES = ("cleaner", "tagger", "deduper")
OVERHEAD_TARGET = 0.20
P99_TARGET_S = 1.0
X1_TARGET = 20.0  # articles/s, one worker per stage (performance issue)
SCALING_TARGET = 1.6
DEDUPER_CPU_TARGET_MS = 10.0
DEDUPE_RECORDS_TARGET = 12.0
WRAPPERS = ("services/offline.py", "/stage.py:")


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def per_stage(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per stage and per article: worker CPU, stage-function CPU, codec, pass-through, overhead (ms)."""
    rows: dict[str, dict[str, Any]] = {}
    x1, through = out["pipeline_x1"], out["passthrough_x1"]
    for stage in STAGES:
        worker = 1000 * x1["cpu"][stage]["cpu_s"] / x1["articles"]
        off = out["offline"]["stages"][stage]
        fn = off["fn_ms_per_article"]
        codec = off["decode_ms_per_message"] + off["encode_ms_per_message"]
        rows[stage] = {
            "worker_cpu_ms_per_article": round(worker, 3),
            "stage_fn_ms_per_article": fn,
            "messages_in_per_article": round(x1["cpu"][stage]["messages"] / x1["articles"], 2),
            "worker_cpu_ms_per_message": x1["cpu"][stage]["cpu_ms_per_message"],
            "decode_encode_ms_per_message": round(codec, 3),
            "passthrough_cpu_ms_per_article": round(
                1000 * through["cpu"][stage]["cpu_s"] / through["articles"], 3
            ),
            "overhead_ms_per_article": round(worker - fn, 3),
            "overhead_share_of_fn": _ratio(worker - fn, fn),
            "one_worker_ceiling_per_s": round(1000 / worker, 1) if worker else None,
        }
    return rows


def hottest(out: dict[str, Any], top: int = 6, stage: str | None = None) -> list[dict[str, Any]]:
    """The stage steps with the largest share of the offline path's CPU (profile, cumulative)."""
    steps = out["profile"]["top_stage_steps_cumulative"]
    found = [s for s in steps if not any(w in s["function"] for w in WRAPPERS)]
    if stage is not None:
        found = [s for s in found if f"services/{stage}/" in s["function"]]
    return found[:top]


def issue_targets(out: dict[str, Any], stages: dict[str, dict[str, Any]]) -> dict[str, bool | None]:
    """The performance issue's targets that one run can check (None: not measured in this run)."""
    x1 = out["pipeline_x1"]["articles_per_s"]
    x2 = out.get("pipeline_x2", {}).get("articles_per_s")
    index = [
        v
        for k, v in out["pipeline_x1"].get("changelog_records_per_article", {}).items()
        if "dedupe-index" in k
    ]
    quality = out.get("quality")
    return {
        "x1_ge_20_articles_per_s": x1 >= X1_TARGET,
        "x2_ge_1_6_times_x1": None if x2 is None else x2 >= SCALING_TARGET * x1,
        "deduper_worker_cpu_le_10ms": stages["deduper"]["worker_cpu_ms_per_article"] <= DEDUPER_CPU_TARGET_MS,
        "dedupe_index_changelog_le_12_per_article": index[0] <= DEDUPE_RECORDS_TARGET if index else None,
        "quality_within_0_01_of_baseline": None if quality is None else bool(quality["passed"]),
    }


def steady_p99(lat: dict[str, Any]) -> float | None:
    """The p99 the target is on: the steady state (articles sent while workers still start apart)."""
    p99: float | None = lat.get("latency_steady_s", lat["latency_s"])["p99"]
    return p99


def analyse(out: dict[str, Any]) -> dict[str, Any]:
    """Return headline figures, ratios, target verdicts, the bottleneck stage and what would fix it."""
    off = out["offline"]["articles_per_s"]
    x1 = out["pipeline_x1"]["articles_per_s"]
    x2 = out.get("pipeline_x2", {}).get("articles_per_s")
    stages = per_stage(out)
    articles = out["pipeline_x1"]["articles"]
    worker_total = sum(out["pipeline_x1"]["cpu"][s]["cpu_s"] for s in STAGES) * 1000 / articles
    fn_total = out["offline"]["stage_fn_ms_per_article"]
    overhead = (worker_total - fn_total) / fn_total if fn_total else None
    lat = out["latency_half_max"]
    p99 = steady_p99(lat)
    bottleneck = max(STAGES, key=lambda s: stages[s]["worker_cpu_ms_per_article"])
    targets = {
        "streaming_ge_offline": bool(x1 and off and x1 >= off),
        "framework_overhead_lt_20pct": overhead is not None and overhead < OVERHEAD_TARGET,
        "p99_lt_1s_at_half_max_no_lag_growth": bool(
            p99 is not None and p99 < P99_TARGET_S and not lat["lag_growth"]["grows"] and lat["nothing_lost"]
        ),
        **issue_targets(out, stages),
    }
    result: dict[str, Any] = {
        "figures": {
            "raw_kafka_msgs_per_s": out["raw_kafka"]["pass_msgs_per_s"],
            "passthrough_articles_per_s": out["passthrough_x1"]["articles_per_s"],
            "pipeline_x1_articles_per_s": x1,
            "pipeline_x2_articles_per_s": x2,
            "offline_articles_per_s": off,
            "latency_half_max_s": {k: lat["latency_s"][k] for k in ("p50", "p95", "p99", "max")},
            "latency_half_max_steady_s": {
                k: lat.get("latency_steady_s", {}).get(k) for k in ("warmup_s", "p50", "p95", "p99", "max")
            },
        },
        "streaming_over_offline": _ratio(x1, off),
        "best_streaming_over_offline": _ratio(max(x1, x2 or 0.0), off),
        "scaling_x2_over_x1": _ratio(x2, x1),
        # What limits the scaling: the machine's CPU (all cores, every process) during each run.
        "machine_cpu_busy_share": {
            k: out[k].get("machine_cpu_busy_share") for k in ("pipeline_x1", "pipeline_x2") if k in out
        },
        "pipeline_over_passthrough": _ratio(x1, out["passthrough_x1"]["articles_per_s"]),
        "passthrough_over_raw_kafka": _ratio(
            out["passthrough_x1"]["articles_per_s"], out["raw_kafka"]["pass_msgs_per_s"]
        ),
        "cpu_ms_per_article": {
            "workers_total": round(worker_total, 3),
            "stage_functions_total": fn_total,
            "framework_overhead_share": round(overhead, 4) if overhead is not None else None,
        },
        "per_stage": stages,
        "hottest_steps": hottest(out),
        "hottest_steps_by_stage": {s: hottest(out, 3, s) for s in STAGES},
        "framework_floor_share": _ratio(
            sum(
                r["passthrough_cpu_ms_per_article"]
                + r["decode_encode_ms_per_message"] * r["messages_in_per_article"]
                for r in stages.values()
            ),
            sum(r["stage_fn_ms_per_article"] for r in stages.values()),
        ),
        "bottleneck": bottleneck,
        "targets": targets,
    }
    result["advice"] = advice(result, out)
    return result


def advice(result: dict[str, Any], out: dict[str, Any]) -> list[str]:
    """Which stage holds each missed target back and what would fix it, from the measured figures."""
    notes: list[str] = []
    b = result["bottleneck"]
    row = result["per_stage"][b]
    steps = result["hottest_steps_by_stage"][b]
    listed = ", ".join(f"{s['function']} {s['share']:.0%}" for s in steps)
    top = f"; its hottest steps (share of all offline CPU): {listed}" if steps else ""
    notes.append(
        f"bottleneck: {b} at {row['worker_cpu_ms_per_article']} ms CPU per article, a ceiling of "
        f"{row['one_worker_ceiling_per_s']}/s per worker{top}."
    )
    if "keywords" in top:
        notes.append(
            "fix: make keyword extraction cheaper (YAKE over the title + first paragraphs only, n-grams "
            "<= 2, or a lighter extractor) - it is most of the tagger's and the pipeline's CPU; with "
            "more cores, run more tagger workers (4 partitions allow 4)."
        )
    if "embed" in top:
        notes.append(
            "fix: the tagger's sentence embedding is most of the pipeline's CPU. Batching is on "
            "(WIRESTREAM_TAGGER_MAX_POLL_RECORDS) but the e5 engine is compute-bound, so it saves little "
            "CPU: check that the vendored engine runs its VNNI kernel (EMBEDDING_ENGINE=wirestream, "
            "bench_e5_engine), split batches over idle cores (EMBEDDING_THREADS), give the tagger more "
            "workers (scaling above), or embed less (EMBEDDING_MAX_CHARS; EMBEDDING_BACKEND=use is "
            "~10x cheaper) at the quality cost bench_embedding_inputs measures."
        )
    changelog = out["pipeline_x1"].get("changelog_records_per_article", {})
    writes = {t: n for t, n in changelog.items() if n >= 5}
    if writes:
        topic, n = max(writes.items(), key=lambda kv: kv[1])
        notes.append(
            f"state: {topic} gets {n} records per article (one per table key written); that is most "
            "of the overhead outside the stage functions. Fix: fewer, coarser keys (fewer LSH bands, "
            "postings grouped per article), or coalesce the writes of one commit interval."
        )
    x1, x2 = out["pipeline_x1"], out.get("pipeline_x2")
    if x2 and x2["articles_per_s"] < x1["articles_per_s"]:
        d1 = round(1000 * x1["cpu"]["deduper"]["cpu_s"] / x1["articles"], 2)
        d2 = round(1000 * x2["cpu"]["deduper"]["cpu_s"] / x2["articles"], 2)
        notes.append(
            f"scaling: two workers per stage are slower here: six workers on {out['machine']['cpus']} "
            f"cores, and the deduper costs {d2} ms/article instead of {d1} (each "
            "worker restores its tasks' tables from the changelog on every rebalance)."
        )
    targets = result["targets"]
    cores = out.get("machine", {}).get("cpus") or 0
    if not targets["streaming_ge_offline"]:
        notes.append(
            f"streaming < offline: three workers, the broker and the load generator share {cores} cores, "
            f"so the streaming path cannot overlap the stages on spare cores; it wins once {b} has a core of "
            f"its own (more cores, or {b} cheaper) - offline pays no decode/encode/produce at all."
        )
    if not targets["framework_overhead_lt_20pct"]:
        worst = max(result["per_stage"], key=lambda s: result["per_stage"][s]["overhead_ms_per_article"])
        w = result["per_stage"][worst]
        notes.append(
            f"framework overhead {result['cpu_ms_per_article']['framework_overhead_share']:.0%}: largest in "
            f"{worst} ({w['overhead_ms_per_article']} ms/article outside its function, "
            f"{w['messages_in_per_article']} messages in per article; per message decode+encode "
            f"{w['decode_encode_ms_per_message']} ms, runner pass-through "
            f"{w['passthrough_cpu_ms_per_article']} ms/article; pass-through plus decode/encode alone is "
            f"{result['framework_floor_share']:.0%} of the stage functions' cost)."
        )
    if not targets["p99_lt_1s_at_half_max_no_lag_growth"]:
        lat = out["latency_half_max"]
        worst = max(lat["stage_latency_s"], key=lambda h: lat["stage_latency_s"][h].get("p99") or 0.0)
        notes.append(
            f"latency target missed at {lat['rate']}/s: steady p99 {steady_p99(lat)} s (whole run "
            f"{lat['latency_s']['p99']} s), lag growth {lat['lag_growth']['grows']}; the slowest hop at "
            f"p99 is {worst} (a hop runs from one stage's start to the next stage's start: it holds the "
            "first stage's own work and the queue before the second)."
        )
    return notes


def describe(out: dict[str, Any]) -> str:
    """Return a readable summary of the benchmark's headline figures and verdicts."""
    a = out["analysis"]
    f = a["figures"]
    lines = [
        f"raw Kafka pass: {f['raw_kafka_msgs_per_s']} msgs/s; runner pass-through: "
        f"{f['passthrough_articles_per_s']} articles/s",
        f"pipeline: {f['pipeline_x1_articles_per_s']}/s (1 worker/stage), "
        f"{f['pipeline_x2_articles_per_s']}/s "
        f"(2 workers/stage), scaling x{a['scaling_x2_over_x1']}; offline {f['offline_articles_per_s']}/s",
        f"streaming_over_offline {a['streaming_over_offline']}; framework overhead "
        f"{a['cpu_ms_per_article']['framework_overhead_share']}",
        "per stage ms/article (worker CPU / stage fn): "
        + ", ".join(
            f"{s} {r['worker_cpu_ms_per_article']}/{r['stage_fn_ms_per_article']}"
            for s, r in a["per_stage"].items()
        ),
        f"latency at half max: {f['latency_half_max_s']}",
        f"targets: {a['targets']}",
        *a["advice"],
    ]
    return "\n".join(lines)
