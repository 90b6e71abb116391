"""The ``wirestream`` command: kafka, worker, replay, process, tail, demo."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from services.chaos import cli as chaos_cli
from services.core.kafka import KafkaAuthError
from services.core.settings import ENV_FILE_VAR
from services.dlq import cli as dlq_cli
from services.loadtest import cli as loadtest_cli

DEFAULT_SEEDS = Path("seeds")


def _rate(text: str) -> float:
    value = float(text.removesuffix("/s"))
    if value < 0:
        raise argparse.ArgumentTypeError("rate must be >= 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirestream", description=__doc__)
    parser.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="a WIRESTREAM_KAFKA_* file, e.g. .cache/kafka/secure/<principal>.env (= WIRESTREAM_ENV_FILE)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    kafka = sub.add_parser("kafka", help="manage the local Kafka broker (KRaft, from Maven jars)")
    kafka.add_argument("action", choices=["install", "up", "down", "status", "topics", "rotate"])
    kafka.add_argument("--secure", action="store_true", help="the SASL_SSL broker with ACLs (port 9094)")
    kafka.add_argument("--principal", default=None, help="rotate --secure: whose password (e.g. cleaner)")

    worker = sub.add_parser("worker", help="run one stage worker (the transactional stage runner)")
    worker.add_argument("stage", choices=["cleaner", "tagger", "deduper"])

    replay = sub.add_parser("replay", help="produce article files to articles.raw.v1")
    replay.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_SEEDS])
    replay.add_argument("--rate", type=_rate, default=None, help="messages per second (N or N/s)")
    replay.add_argument("--loop", type=int, default=1, help="replay the files N times")
    replay.add_argument("--limit", type=int, default=None, help="stop after N articles")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")

    process = sub.add_parser("process", help="run the pipeline offline, no broker")
    process.add_argument("paths", nargs="+", type=Path)
    process.add_argument("--output", type=Path, default=None, help="enriched JSON lines (stdout)")
    process.add_argument("--dlq-output", type=Path, default=None, help="dead letters (stderr)")

    tail = sub.add_parser("tail", help="print events from a topic")
    tail.add_argument("--topic", default="articles.enriched.v1")
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("--max", type=int, default=None, help="stop after N events")
    tail.add_argument("--idle-timeout", type=float, default=None, help="stop after S idle seconds")

    sub.add_parser("stop", help="stop workers left by `demo --keep`, then the local broker")

    demo = sub.add_parser("demo", help="run the whole pipeline on the local broker over seeds/")
    demo.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_SEEDS])
    demo.add_argument("--keep", action="store_true", help="leave the broker and workers running")
    demo.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for results")
    demo.add_argument("--secure", action="store_true", help="over SASL_SSL with ACLs, a principal per worker")
    loadtest_cli.add_parser(sub)
    chaos_cli.add_parser(sub)
    dlq_cli.add_parser(sub)
    return parser


def _kafka(action: str) -> int:
    from services.core.kafka import ensure_topics
    from services.localbroker import broker

    settings = broker.BrokerSettings()
    if action == "install":
        print(f"kafka jars in {broker.install(settings)}")
    elif action == "up":
        started = broker.up(settings)
        print(("started; " if started else "already running; ") + broker.status(settings).describe(settings))
    elif action == "down":
        print("stopped" if broker.down(settings) else "not running (no pid file)")
    elif action == "status":
        state = broker.status(settings)
        print(state.describe(settings))
        return 0 if state.answering else 1
    elif action == "topics":
        from services.core.kafka import wait_until_ready
        from services.core.settings import KafkaSettings

        kafka_settings = KafkaSettings()
        wait_until_ready(kafka_settings, deadline_s=120.0)
        created = ensure_topics(kafka_settings)
        print(f"created {created}" if created else "all topics exist")
    return 0


def _worker(stage: str) -> int:
    from services.core.runner import run_worker

    if stage == "cleaner":
        from services.cleaner.app import create as create_cleaner
        from services.cleaner.settings import CleanerSettings

        cleaner_settings = CleanerSettings()
        run_worker(create_cleaner(cleaner_settings), cleaner_settings)
    elif stage == "tagger":
        from services.tagger.app import create as create_tagger
        from services.tagger.settings import TaggerSettings

        tagger_settings = TaggerSettings()
        run_worker(create_tagger(tagger_settings), tagger_settings)
    else:
        from services.deduper.app import create as create_deduper
        from services.deduper.settings import DeduperSettings

        deduper_settings = DeduperSettings()
        run_worker(create_deduper(deduper_settings), deduper_settings)
    return 0


def _tail(args: argparse.Namespace) -> int:
    from services.core.consume import records
    from services.core.settings import KafkaSettings

    kafka = KafkaSettings()
    for count, record in enumerate(
        records(
            kafka,
            [kafka.topic(args.topic)],
            from_beginning=args.from_beginning,
            idle_timeout_s=args.idle_timeout,
        )
    ):
        print(json.dumps(record.value, ensure_ascii=False), flush=True)
        if args.max is not None and count + 1 >= args.max:
            break
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wirestream`` command; settings that do not load are one clear line, exit 2."""
    args = _parser().parse_args(argv)
    if args.env_file is not None:
        os.environ[ENV_FILE_VAR] = str(args.env_file.resolve())  # read by every KafkaSettings, inherited
    try:
        return _dispatch(args)
    except ValidationError as exc:
        problems = "; ".join(str(e.get("msg", e)).removeprefix("Value error, ") for e in exc.errors())
        print(f"wirestream: invalid settings: {problems}", file=sys.stderr)
        return 2
    except KafkaAuthError as exc:  # a credential or an ACL: one line, not a traceback or a retry loop
        print(f"wirestream: Kafka {exc.kind} failed: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "kafka":
        if args.secure:
            from services.localbroker.secure import run_action

            return run_action(args.action, args.principal)
        if args.action == "rotate":
            print("wirestream: kafka rotate needs --secure --principal NAME", file=sys.stderr)
            return 2
        return _kafka(args.action)
    if args.command == "worker":
        return _worker(args.stage)
    if args.command == "replay":
        from services.replay.producer import ReplaySettings, replay

        summary = replay(
            args.paths,
            ReplaySettings(),
            rate=args.rate,
            loops=args.loop,
            limit=args.limit,
            progress=not args.quiet,
        )
        print(summary.describe())
        return 1 if summary.failed else 0
    if args.command == "process":
        from services.core.ingest import describe_skipped
        from services.offline import OfflinePipeline, process

        result = process(args.paths, args.output, args.dlq_output, OfflinePipeline())
        print(
            f"processed {result.payloads} payloads: {result.enriched} enriched "
            f"({dict(result.statuses)}), {result.dead_letters} dead letters"
            f"{describe_skipped(result.skipped)}",
            file=sys.stderr,
        )
        return 0
    if args.command == "tail":
        return _tail(args)
    if args.command == "stop":
        from services.demo import stop_everything

        stop_everything()
        return 0
    if args.command == "loadtest":
        return loadtest_cli.run(args)
    if args.command == "chaos":
        return chaos_cli.run(args)
    if args.command == "dlq":
        return dlq_cli.run(args)
    if args.command == "demo":
        from services.demo import run_demo

        return run_demo(args.paths, keep=args.keep, timeout_s=args.timeout, secure_mode=args.secure)
    return 2


if __name__ == "__main__":
    sys.exit(main())
