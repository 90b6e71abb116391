"""The pipeline benchmark (``make bench``): broker limit, framework limit, real pipeline, offline path.

Usage: python -m bench.run_all [--articles N] [--repeat K] [--soak] [--seed S] [--out PATH]

Without --articles the run is sized from a short offline calibration: about a minute of offline
work per scenario (200 to 2000 articles), so `make bench` stays within ~15 minutes on 2 cores.

One run, one machine, the same article texts, the same topic names and partition counts. Writes
bench/results/pipeline.json (figures, ratios, verdicts), bench/results/pipeline-profile.txt
(cProfile of the offline path) and bench/results/loadtest-half-max.{json,png} (the latency run).
Starts the local broker when none answers, and stops it again afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import analysis, bench_pipeline, offline_bench, quality
from services.core.kafka import broker_answers
from services.core.settings import KafkaSettings
from services.loadtest import report
from services.loadtest.cli import load_corpus
from services.loadtest.generator import VariantGenerator

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SCENARIO_S = 60.0
MIN_ARTICLES, MAX_ARTICLES = 200, 2000


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    p.add_argument("--articles", type=int, default=None, help="articles per scenario (default: auto)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--dup-ratio", type=float, default=0.1, help="share of exact/near duplicates")
    p.add_argument("--profile-articles", type=int, default=None, help="articles under cProfile (auto)")
    p.add_argument("--latency-seconds", type=float, default=60.0, help="latency run at half max")
    p.add_argument("--soak", action="store_true", help="latency run of 5 minutes (overrides the above)")
    p.add_argument("--repeat", type=int, default=1, help="runs per throughput scenario; the best is kept")
    p.add_argument("--skip-scaling", action="store_true", help="no run with two workers per stage")
    p.add_argument("--out", type=Path, default=RESULTS / "pipeline.json")
    return p.parse_args(argv)


def _step(title: str) -> float:
    print(f"\n== {title}", flush=True)
    return time.monotonic()


def _broker() -> tuple[KafkaSettings, Any]:
    """Return Kafka settings of a running broker, starting the local one when none answers."""
    kafka = KafkaSettings()
    if broker_answers(kafka):
        return kafka, None
    from services.localbroker import broker

    settings = broker.BrokerSettings()
    print("no broker answers: starting the local Kafka broker...")
    broker.up(settings)
    return KafkaSettings(bootstrap_servers=f"{settings.host}:{settings.port}"), settings


def main(argv: list[str] | None = None) -> int:
    """Run every scenario and write the report; return 0 when every article came out everywhere."""
    args = _args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop workers
    os.chdir(ROOT)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    log_dir = ROOT / ".cache" / "bench"
    corpus = load_corpus([ROOT / "seeds"])
    generator = VariantGenerator(corpus, seed=args.seed, dup_ratio=args.dup_ratio)
    calibration: float | None = None
    if args.articles is None or args.profile_articles is None:
        _step("calibration: offline rate over 30 articles, to size the run")
        calibrate = VariantGenerator(corpus, seed=args.seed + 1).take(30)
        calibration = float(offline_bench.offline(calibrate)["articles_per_s"])
        print(f"   {calibration} articles/s")
    if args.articles is None:  # about a minute per throughput scenario, whatever the stages cost
        args.articles = int(min(MAX_ARTICLES, max(MIN_ARTICLES, round((calibration or 0.0) * SCENARIO_S))))
    if args.profile_articles is None:
        args.profile_articles = int(min(300, max(20, round((calibration or 0.0) * 15))))
    variants = generator.take(args.articles)
    out: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "articles": args.articles,
        "calibration_offline_articles_per_s": calibration,
        "generator": {"seed": args.seed, "dup_ratio": args.dup_ratio, "corpus": "seeds/"},
        "mean_text_chars": round(sum(len(v.text) for v in variants) / len(variants)),
    }
    t = _step(f"offline: wirestream process's pipeline over {args.articles} articles")
    offline_events: list[Any] = []
    offline_runs = [
        offline_bench.offline(variants, None if attempt else offline_events) for attempt in range(args.repeat)
    ]
    out["offline"] = max(offline_runs, key=lambda r: float(r["articles_per_s"]))
    out["offline"]["runs_articles_per_s"] = [r["articles_per_s"] for r in offline_runs]
    out["offline"]["loadavg_1m"] = round(os.getloadavg()[0], 2)
    print(f"   {out['offline']['runs_articles_per_s']} articles/s ({time.monotonic() - t:.0f}s)")
    _step("quality: same-story, duplicate and tagger figures against bench/data/quality_baseline.json")
    out["quality"] = quality.gate(
        quality.measure(variants, offline_events, seed=args.seed, dup_ratio=args.dup_ratio),
        quality.load_baseline(),
    )
    print(f"   passed: {out['quality']['passed']} (skipped: {out['quality']['skipped']})")
    _step(f"profile: cProfile of the offline path over {args.profile_articles} articles")
    out["profile"] = offline_bench.profile(
        variants[: args.profile_articles], RESULTS / "pipeline-profile.txt"
    )
    kafka, started = _broker()
    out["kafka"] = {"bootstrap_servers": kafka.bootstrap_servers, "partitions": kafka.partitions}
    try:
        out.update(_streaming(kafka, variants, generator, args, stamp, log_dir))
    finally:
        if started is not None:
            from services.localbroker import broker

            broker.down(started)
    out["analysis"] = analysis.analyse(out)
    report.write_json(out, args.out)
    print(f"\nreport: {args.out}")
    print(analysis.describe(out))
    streams = [out[k] for k in ("passthrough_x1", "pipeline_x1", "pipeline_x2") if k in out]
    return 0 if all(s["nothing_lost"] for s in streams) else 1


def _streaming(
    kafka: KafkaSettings,
    variants: list[Any],
    generator: VariantGenerator,
    args: argparse.Namespace,
    stamp: str,
    log_dir: Path,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t = _step("raw Kafka: kafka-python produce -> consume of the same raw messages")
    scenario = bench_pipeline.scenario(kafka, "raw", stamp)
    try:
        out["raw_kafka"] = bench_pipeline.raw_kafka(scenario, variants)
    finally:
        bench_pipeline.teardown(scenario)
    print(f"   {out['raw_kafka']['pass_msgs_per_s']} msgs/s ({time.monotonic() - t:.0f}s)")
    runs = [("passthrough_x1", "passthrough", 1), ("pipeline_x1", "real", 1)]
    if not args.skip_scaling:
        runs.append(("pipeline_x2", "real", 2))
    for key, kind, per_stage in runs:
        t = _step(f"{key}: {kind} workers, {per_stage} per stage, {len(variants)} articles, unpaced")
        attempts: list[dict[str, Any]] = []
        for attempt in range(args.repeat):
            scenario = bench_pipeline.scenario(kafka, f"{key.replace('_', '-')}-{attempt + 1}", stamp)
            try:
                attempts.append(
                    bench_pipeline.streaming(
                        scenario,
                        variants,
                        kind=kind,
                        per_stage=per_stage,
                        log_dir=log_dir,
                        count=len(variants),
                    )
                )
            finally:
                bench_pipeline.teardown(scenario)
            attempts[-1]["loadavg_1m"] = round(os.getloadavg()[0], 2)
        result = max(attempts, key=lambda r: float(r["articles_per_s"]))
        result["runs_articles_per_s"] = [r["articles_per_s"] for r in attempts]
        result["nothing_lost"] = all(r["nothing_lost"] for r in attempts)
        summary = result.pop("summary")
        report.write_json(summary, RESULTS / "runs" / f"{key}.json")
        report.write_chart(summary, RESULTS / "runs" / f"{key}.png")
        result["latency_s"] = summary["latency_s"]
        out[key] = result
        print(
            f"   {result['articles_per_s']} articles/s, lost {result['lost']} ({time.monotonic() - t:.0f}s)"
        )
    seconds = 300.0 if args.soak else args.latency_seconds
    rate = round(out["pipeline_x1"]["articles_per_s"] / 2, 1)
    t = _step(f"latency: real pipeline at half the max ({rate}/s) for {seconds:.0f}s")
    scenario = bench_pipeline.scenario(kafka, "latency", stamp)
    stream = itertools.chain(variants, generator)
    try:
        result = bench_pipeline.streaming(
            scenario,
            stream,
            kind="real",
            per_stage=1,
            log_dir=log_dir,
            rate=rate,
            duration_s=seconds,
            drain_timeout_s=120.0,
            label=f"half max {rate}/s",
        )
    finally:
        bench_pipeline.teardown(scenario)
    summary = result.pop("summary")
    report.write_json(summary, RESULTS / "loadtest-half-max.json")
    report.write_chart(summary, RESULTS / "loadtest-half-max.png")
    out["latency_half_max"] = {
        "rate": rate,
        "seconds": seconds,
        "soak": args.soak,
        "latency_s": summary["latency_s"],
        "latency_steady_s": summary["latency_steady_s"],
        "stage_latency_s": summary["stage_latency_s"],
        "lag_growth": summary["lag"]["growth"],
        "lag_max_by_group": summary["lag"]["max_by_group"],
        "nothing_lost": summary["nothing_lost"],
        "sustained": summary["sustained"],
        "cpu": result["cpu"],
        "artefacts": ["bench/results/loadtest-half-max.json", "bench/results/loadtest-half-max.png"],
    }
    print(f"   {report.describe(summary)} ({time.monotonic() - t:.0f}s)")
    return out


if __name__ == "__main__":
    sys.exit(main())
