"""``wirestream chaos``: the pipeline under seeded faults (kill -9, scaling), checked exactly-once."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from services.loadtest.cli import add_generator_args, rate_arg

RESULTS = Path("bench/results")
SCALE_CHOICES = ("random", "none", "cleaner", "tagger", "deduper")


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    return key, value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``chaos`` subcommand to the ``wirestream`` parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "chaos", help="own broker + workers under seeded faults; verify every article came out exactly once"
    )
    p.add_argument("--articles", type=int, default=5000, help="distinct articles to replay")
    p.add_argument("--rate", type=rate_arg, default=5.0, help="articles per second (N or N/s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the articles and of the fault schedule")
    p.add_argument("--kills-per-stage", type=int, default=3, help="kill -9s of each stage's worker")
    p.add_argument("--broker-kills", type=int, default=1, help="kill -9s of the broker")
    p.add_argument("--scale", choices=SCALE_CHOICES, default="random", help="stage scaled 1 -> 2 -> 1")
    p.add_argument("--embedding-backend", choices=["use", "e5", "none"], default="use", help="tagger model")
    add_generator_args(p, dup_ratio=0.3, lang_mix="en=0.7,de=0.3", exact_share=0.35, story_share=0.3)
    p.add_argument("--broker-home", type=Path, default=Path(".cache/chaos-kafka"), help="broker data+log")
    p.add_argument("--broker-port", type=int, default=19092)
    p.add_argument("--controller-port", type=int, default=19093)
    p.add_argument("--partitions", type=int, default=4, help="partitions of every topic")
    p.add_argument("--ready-timeout", type=float, default=180.0, help="seconds for a worker to get ready")
    p.add_argument("--drain-timeout", type=float, default=600.0, help="seconds to wait for the outputs")
    p.add_argument("--settle-timeout", type=float, default=120.0, help="seconds for the groups to settle")
    p.add_argument("--no-offline", action="store_true", help="skip the offline agreement run")
    p.add_argument(
        "--worker-env", type=_env_pair, action="append", default=[], metavar="KEY=VALUE",
        help="extra environment of the workers (repeatable)",
    )  # fmt: skip
    p.add_argument("--workers-src", type=Path, default=None, help="run the workers of this source tree")
    p.add_argument("--report", type=Path, default=None, help="JSON report path (PNG timeline next to it)")
    p.add_argument("--quiet", action="store_true", help="no event lines, no progress bar")
    return p


def config_of(args: argparse.Namespace) -> Any:
    """Return the ``ChaosConfig`` of parsed arguments."""
    from services.chaos.run import ChaosConfig

    return ChaosConfig(
        articles=args.articles,
        rate=args.rate,
        seed=args.seed,
        kills_per_stage=args.kills_per_stage,
        broker_kills=args.broker_kills,
        scale=args.scale,
        embedding_backend=args.embedding_backend,
        dup_ratio=args.dup_ratio,
        exact_share=args.exact_share,
        story_share=args.story_share,
        lang_mix=args.lang_mix or None,
        corpus=[p.resolve() for p in args.corpus],
        broker_home=args.broker_home.resolve(),
        broker_port=args.broker_port,
        controller_port=args.controller_port,
        partitions=args.partitions,
        ready_timeout_s=args.ready_timeout,
        drain_timeout_s=args.drain_timeout,
        settle_timeout_s=args.settle_timeout,
        offline=not args.no_offline,
        worker_env=dict(args.worker_env),
        workers_src=args.workers_src.resolve() if args.workers_src else None,
        progress=not args.quiet,
    )


def run(args: argparse.Namespace) -> int:
    """Run the chaos experiment, write the JSON report and PNG timeline; 1 unless exactly once."""
    from services.chaos import report
    from services.chaos.run import run_chaos

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop our broker and workers on SIGTERM too
    outcome = run_chaos(config_of(args))
    path = args.report or RESULTS / f"chaos-{outcome['run_id']}.json"
    report.write_json(outcome, path)
    chart = report.write_chart(outcome, path.with_suffix(".png"))
    print(report.describe(outcome))
    print(f"report: {path}\nchart:  {chart}")
    return 0 if outcome["ok"] else 1
