"""``wirestream loadtest``: drive the running pipeline at a rate (or find its maximum) and report."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from services.core.ingest import Payload, read_payloads
from services.core.settings import KafkaSettings
from services.loadtest.generator import CorpusDoc, VariantGenerator, build_corpus, parse_lang_mix

DEFAULT_CORPUS = Path("seeds")
RESULTS = Path("bench/results")


def rate_arg(text: str) -> float:
    """argparse type: a rate > 0, ``N`` or ``N/s``."""
    value = float(text.removesuffix("/s"))
    if value <= 0:
        raise argparse.ArgumentTypeError("rate must be > 0")
    return value


def ratio_arg(text: str) -> float:
    """argparse type: a share within [0, 1]."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be within [0, 1]")
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``loadtest`` subcommand to the ``wirestream`` parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "loadtest", help="drive the running pipeline at a rate; report throughput, latency, lag"
    )
    p.add_argument("--rate", type=rate_arg, default=10.0, help="articles per second (N or N/s)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds to produce")
    add_generator_args(p, dup_ratio=0.0, lang_mix=None)
    p.add_argument("--seed", type=int, default=0, help="variant generator seed")
    p.add_argument("--report", type=Path, default=None, help="JSON report path (chart next to it)")
    p.add_argument("--drain-timeout", type=float, default=None, help="seconds to wait for the outputs")
    p.add_argument("--find-max", action="store_true", help="step the rate up until lag grows")
    p.add_argument("--start-rate", type=rate_arg, default=5.0, help="--find-max: first rate")
    p.add_argument("--step", type=rate_arg, default=5.0, help="--find-max: rate increment")
    p.add_argument("--max-rate", type=rate_arg, default=200.0, help="--find-max: last rate tried")
    p.add_argument("--step-duration", type=float, default=30.0, help="--find-max: seconds per step")
    p.add_argument("--start-workers", action="store_true", help="start the three stage workers too")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def add_generator_args(
    p: argparse.ArgumentParser,
    *,
    dup_ratio: float,
    lang_mix: str | None,
    exact_share: float = 0.5,
    story_share: float = 0.0,
) -> None:
    """The variant generator's options, shared by ``loadtest`` and ``chaos``."""
    p.add_argument(
        "--dup-ratio", type=ratio_arg, default=dup_ratio, help="share of duplicates (exact, near, same story)"
    )
    p.add_argument(
        "--exact-share", type=ratio_arg, default=exact_share, help="share of the duplicates that are exact"
    )
    p.add_argument(
        "--story-share",
        type=ratio_arg,
        default=story_share,
        help="share of the duplicates that are other reports of the same story (the rest are near)",
    )
    p.add_argument("--lang-mix", default=lang_mix, help="source language weights, e.g. en=0.7,de=0.3")
    p.add_argument("--corpus", nargs="+", type=Path, default=[DEFAULT_CORPUS], help="corpus files/dirs")


def load_corpus(paths: list[Path]) -> list[CorpusDoc]:
    """Read the plain-text UTF-8 payloads under ``paths`` into corpus docs (HTML and bad records skipped)."""
    items: list[tuple[str, str]] = []
    for item in read_payloads(paths):
        if isinstance(item, Payload) and item.content_type == "text/plain":
            try:
                items.append((item.uri, item.data.decode("utf-8")))
            except UnicodeDecodeError:
                continue
    return build_corpus(items)


@contextmanager
def workers_started(kafka: KafkaSettings, enabled: bool) -> Iterator[None]:
    """Start the cleaner, tagger and deduper workers (when enabled) and stop them afterwards."""
    if not enabled:
        yield
        return
    import socket

    from services.core.kafka import ensure_topics
    from services.supervise import STAGES, start_worker, stop_workers, wait_ready

    ensure_topics(kafka)  # the workers only get partitions of topics that exist
    env = {
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "WIRESTREAM_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        **{f"WIRESTREAM_{s.upper()}_METRICS_HOST": "127.0.0.1" for s in STAGES},
    }
    log_dir = Path(".cache/loadtest")
    workers = []
    for stage in STAGES:
        with socket.socket() as sock:  # a free port: the default ones may serve a running pipeline
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        workers.append(start_worker(stage, port, env, log_dir))
    try:
        wait_ready(workers)
        yield
    finally:
        stop_workers(workers)


def _one(kafka: KafkaSettings, gen: VariantGenerator, rate: float, duration: float, args: Any) -> Any:
    from services.loadtest import report as reports
    from services.loadtest import runner

    drain = args.drain_timeout if args.drain_timeout is not None else max(30.0, duration)
    config = runner.RunConfig(
        rate=rate, duration_s=duration, drain_timeout_s=drain, progress=not args.quiet, label=f"{rate:g}/s"
    )
    result = runner.run(kafka, gen, config)
    summary = reports.summarize(result)
    summary["generator"] = {
        "seed": args.seed,
        "dup_ratio": args.dup_ratio,
        "exact_share": args.exact_share,
        "story_share": args.story_share,
        "lang_mix": args.lang_mix,
        "corpus": [str(p) for p in args.corpus],
    }
    print(reports.describe(summary), flush=True)
    return summary


def find_max(kafka: KafkaSettings, gen: VariantGenerator, args: Any) -> dict[str, Any]:
    """Step the rate up from --start-rate by --step until lag grows (or articles are lost)."""
    steps: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    rate = args.start_rate
    while rate <= args.max_rate + 1e-9:
        summary = _one(kafka, gen, rate, args.step_duration, args)
        steps.append(summary)
        if not summary["sustained"]:
            break
        best = summary
        rate += args.step
    return {
        "mode": "find-max",
        "max_sustained_rate": best["config"]["rate"] if best else None,
        "step_duration_s": args.step_duration,
        "steps": [{k: v for k, v in s.items() if k != "series"} for s in steps],
        "best": best,
    }


def run(args: argparse.Namespace) -> int:
    """Run a load test (or --find-max) against the pipeline; write the JSON report and PNG chart."""
    from services.loadtest import report as reports

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop started workers on SIGTERM too
    kafka = KafkaSettings()
    corpus = load_corpus(args.corpus)
    mix = parse_lang_mix(args.lang_mix) if args.lang_mix else None
    gen = VariantGenerator(
        corpus,
        seed=args.seed,
        dup_ratio=args.dup_ratio,
        exact_share=args.exact_share,
        story_share=args.story_share,
        lang_mix=mix,
    )
    path = args.report or RESULTS / f"loadtest-{datetime.now():%Y%m%d-%H%M%S}.json"
    started = time.monotonic()
    with workers_started(kafka, args.start_workers):
        if args.find_max:
            outcome = find_max(kafka, gen, args)
            chart_source = outcome["best"]
            print(f"highest sustained rate: {outcome['max_sustained_rate']}/s")
        else:
            outcome = _one(kafka, gen, args.rate, args.duration, args)
            chart_source = outcome
    outcome["wall_seconds"] = round(time.monotonic() - started, 1)
    reports.write_json(outcome, path)
    print(f"report: {path}")
    if chart_source:
        print(f"chart:  {reports.write_chart(chart_source, path.with_suffix('.png'))}")
    if args.find_max:
        return 0 if outcome["max_sustained_rate"] is not None else 1
    return 0 if outcome["nothing_lost"] else 1
