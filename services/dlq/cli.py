"""``wirestream dlq inspect|replay|export``: look at dead letters, send them back once, save them.

A replay sends each dead letter's original payload back to the topic it came from, with a header
``wirestream-replayed-from: <dlq topic>:<partition>:<offset>``, and records it in the compacted
ledger topic ``wirestream-dlq-replays`` in the same Kafka transaction, so a dead letter is sent
back at most once however often the command runs (and even if it is interrupted).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from pydantic import ValidationError
from tqdm import tqdm

from services.core.consume import records
from services.core.kafka import ensure_topics
from services.core.models import DeadLetter
from services.core.settings import DLQ, RAW, KafkaSettings
from services.dlq.select import (
    Filter,
    Letter,
    counts,
    original,
    parse_since,
    preview,
    replay_key,
    why_not_replayable,
)

LEDGER = "wirestream-dlq-replays"
HEADER = "wirestream-replayed-from"
BATCH = 100


def add_parser(subparsers: Any) -> None:
    """Add ``dlq inspect|replay|export`` to the ``wirestream`` parser."""
    p = subparsers.add_parser("dlq", help="inspect, replay or export dead letters (articles.dlq.v1)")
    actions = p.add_subparsers(dest="dlq_action", required=True)
    for name, text in (
        ("inspect", "counts by stage and reason, then the newest dead letters"),
        ("replay", "send the original payloads back to their topics, each at most once"),
        ("export", "write the dead letters as JSON lines"),
    ):
        a = actions.add_parser(name, help=text)
        a.add_argument("--stage", default=None, help="only this stage (cleaner, tagger, deduper, ...)")
        a.add_argument("--reason", default=None, help="only this reason code")
        a.add_argument("--since", default=None, help="ISO 8601 time, or an age: 30m, 6h, 2d")
        if name == "inspect":
            a.add_argument("--newest", type=int, default=10, help="how many records to show")
        if name == "replay":
            a.add_argument("--dry-run", action="store_true", help="say what would be sent, send nothing")
            a.add_argument("--quiet", action="store_true", help="no progress bar")
        if name == "export":
            a.add_argument("--output", type=Path, required=True, help="JSON lines file")


def read_letters(kafka: KafkaSettings, chosen: Filter) -> list[Letter]:
    """Every dead letter on the DLQ topic that matches (read committed, until idle)."""
    out: list[Letter] = []
    for record in records(kafka, [kafka.topic(DLQ)], from_beginning=True, idle_timeout_s=2.0):
        try:
            letter = Letter(record.partition, record.offset, DeadLetter.model_validate(record.value))
        except ValidationError:
            continue  # not a dead letter (a foreign write): nothing to inspect or replay
        if chosen(letter):
            out.append(letter)
    return out


def replayed(kafka: KafkaSettings) -> set[str]:
    """The DLQ positions already sent back, from the ledger."""
    ensure_topics(kafka, [LEDGER], configs={"cleanup.policy": "compact"})
    return {r.key for r in records(kafka, [kafka.topic(LEDGER)], idle_timeout_s=2.0) if r.key}


def inspect(kafka: KafkaSettings, chosen: Filter, newest: int) -> int:
    """Print counts by stage and reason, then the newest dead letters with provenance."""
    letters = read_letters(kafka, chosen)
    print(f"{len(letters)} dead letters on {kafka.topic(DLQ)}")
    for (stage, reason), n in sorted(counts(letters).items(), key=lambda kv: -kv[1]):
        print(f"  {n:6d}  {stage:<14} {reason}")
    for letter in sorted(letters, key=lambda x: x.record.at, reverse=True)[:newest]:
        r = letter.record
        where = f"{r.source_topic}[{r.source_partition}]@{r.source_offset}" if r.source_topic else "-"
        src = r.source.uri if r.source else "-"
        print(f"\n{r.at.isoformat()}  {r.stage}:{r.reason}  dlq {letter.ref}  from {where}")
        print(f"  article {r.article_id or '-'}  source {src}")
        print(f"  error   {r.error[:300]}")
        print(f"  payload {preview(r)}")
    return 0


def replay(kafka: KafkaSettings, chosen: Filter, *, dry_run: bool, progress: bool) -> int:
    """Send matching dead letters back to their source topics, each at most once; print a summary."""
    letters = read_letters(kafka, chosen)
    done = replayed(kafka)
    todo, skipped = [], {"already_replayed": 0, "no_source_topic": 0, "payload_truncated": 0}
    for letter in letters:
        why = "already_replayed" if letter.ref in done else why_not_replayable(letter.record)
        if why is None:
            todo.append(letter)
        else:
            skipped[why] += 1
    if not dry_run and todo:
        _send(kafka, todo, progress)
    verb = "would send" if dry_run else "sent"
    summary = ", ".join(f"{n} {why}" for why, n in skipped.items() if n)
    print(
        f"{verb} {len(todo)} of {len(letters)} matching dead letters back"
        + (f"; skipped {summary}" if summary else "")
    )
    for letter in todo[:20] if dry_run else []:
        print(
            f"  {letter.ref} -> {letter.record.source_topic} ({letter.record.stage}:{letter.record.reason})"
        )
    return 0


def _send(kafka: KafkaSettings, todo: list[Letter], progress: bool) -> None:
    producer = KafkaProducer(
        client_id="wirestream-dlq-replay",
        transactional_id=f"{kafka.topic_prefix}wirestream-dlq-replay",
        max_request_size=kafka.max_message_bytes,
        **kafka.kafka_python_kwargs(),
    )
    try:
        producer.init_transactions()
        now = datetime.now(UTC).isoformat()
        bar = tqdm(total=len(todo), unit="msg", disable=not progress, desc="dlq replay")
        for start in range(0, len(todo), BATCH):
            producer.begin_transaction()  # payloads and their ledger entries: all or nothing
            for letter in todo[start : start + BATCH]:
                record = letter.record
                value = original(record)
                assert record.source_topic is not None and value is not None
                origin = f"{kafka.topic(DLQ)}:{letter.ref}".encode()
                key = replay_key(record, kafka.topic(RAW))
                producer.send(record.source_topic, key=key, value=value, headers=[(HEADER, origin)])
                ledger = json.dumps({"at": now, "topic": record.source_topic}).encode()
                producer.send(kafka.topic(LEDGER), key=letter.ref.encode(), value=ledger)
            producer.commit_transaction()
            bar.update(min(BATCH, len(todo) - start))
        bar.close()
    finally:
        producer.close()


def export(kafka: KafkaSettings, chosen: Filter, output: Path) -> int:
    """Write the matching dead letters as JSON lines, with their DLQ position."""
    letters = read_letters(kafka, chosen)
    with output.open("w", encoding="utf-8") as out:
        for letter in letters:
            row = {"dlq_partition": letter.partition, "dlq_offset": letter.offset}
            out.write(json.dumps({**row, **letter.record.model_dump(mode="json")}) + "\n")
    print(f"exported {len(letters)} dead letters to {output}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a ``wirestream dlq`` command."""
    kafka = KafkaSettings()
    try:
        since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    except ValueError:
        print(f"--since {args.since!r}: give an ISO 8601 time or an age such as 30m, 6h, 2d", file=sys.stderr)
        return 2
    chosen = Filter(stage=args.stage, reason=args.reason, since=since)
    if args.dlq_action == "inspect":
        return inspect(kafka, chosen, args.newest)
    if args.dlq_action == "replay":
        return replay(kafka, chosen, dry_run=args.dry_run, progress=not args.quiet and sys.stderr.isatty())
    return export(kafka, chosen, args.output)
