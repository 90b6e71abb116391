"""What the streaming deduper writes to its changelogs per article, with and without derived state.

The worker's hops (``build_stages``: route → index → gather → index (verify) → gather, then the
commits) run in one
process over real ``Table`` stores, message by message as the runner hands them over (one
transaction per message, so no coalescing across a cycle: an upper bound), with the messages
JSON-encoded and decoded between hops as on Kafka. Counted per input article: changelog records
and bytes of ``dedupe-index`` and ``dedupe-pending``, bytes of the hop messages, and CPU ms of the
hops. Two layouts side by
side on the same stream: everything logged (the layout before), and the derived state (buckets,
expiry slots, clock, record count) recomputed after a restore (``services/deduper/reindex.py``).
Input: the SemEval dev stream's tagged articles (real e5 embeddings and entities;
``bench/story_corpus.py`` builds the cache).

Usage: python -m bench.bench_dedupe_changelog [--partitions 4] [--out ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_story_stream import semeval_stream
from services.core.models import TaggedArticle
from services.core.outcomes import Provenance
from services.core.stage import Stage, encode
from services.core.state import Table
from services.deduper.logic import DeduperConfig
from services.deduper.partitioned import PartitionedDeduper, derived_state
from services.deduper.stage import build_stages

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def run(stream: list[TaggedArticle], partitions: int, derive: bool) -> dict[str, Any]:
    """Run the hops over the stream; changelog records, bytes and CPU per article."""
    config = DeduperConfig()
    index = Table("dedupe-index", "index-changelog", derived_state(partitions, config) if derive else None)
    pending = Table("dedupe-pending", "pending-changelog")
    stages = build_stages(PartitionedDeduper(index, partitions, config), pending)
    hops: dict[str, Stage[Any]] = {"probes": stages.index, "verdicts": stages.gather}
    records: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    hop_bytes: Counter[str] = Counter()
    hop_messages: Counter[str] = Counter()
    size: Counter[str] = Counter()
    outputs = 0
    started = time.process_time()
    for article in stream:
        queue: deque[tuple[Stage[Any], int, bytes]] = deque()
        queue.append((stages.route, zlib.crc32(article.article_id.encode()) % partitions, encode(article)))
        while queue:
            stage, task, payload = queue.popleft()
            index.current = pending.current = task
            for emit in stage.handle(payload, Provenance(), NOW):
                if emit.route in hops:
                    part = emit.partition
                    if part is None:
                        part = zlib.crc32(emit.key.encode()) % partitions
                    message = encode(emit.value)
                    hop_bytes[emit.route] += len(message)
                    hop_messages[emit.route] += 1
                    queue.append((hops[emit.route], part, message))
                else:
                    encode(emit.value)  # produced to an output topic
                    outputs += 1
            for table in (index, pending):
                changes = table.store(task).changes()
                records[table.name] += len(changes)
                if table is index:
                    kinds.update(_kind(key) for key, _ in changes)
                size[table.name] += sum(len(key) + len(value or b"") for key, value in changes)
                table.store(task).commit()
    cpu = time.process_time() - started
    n = max(1, len(stream))
    return {
        "derived_state": "derived" if derive else "logged",
        "articles": len(stream),
        "outputs": outputs,
        "changelog_records_per_article": {name: round(records[name] / n, 2) for name in records},
        "changelog_records_per_article_total": round(sum(records.values()) / n, 2),
        "changelog_bytes_per_article": {name: round(size[name] / n) for name in size},
        "index_records_per_article_by_key": {kind: round(c / n, 2) for kind, c in kinds.most_common()},
        "hop_message_bytes_per_article": {topic: round(b / n) for topic, b in hop_bytes.items()},
        "hop_messages_per_article": {topic: round(c / n, 2) for topic, c in hop_messages.items()},
        "hops_cpu_ms_per_article": round(cpu * 1000 / n, 2),
    }


def _kind(key: bytes) -> str:
    """``doc``, ``mh``, ``exp``, ``meta``… of a changelog key (``"p<n>/<kind>:…"``)."""
    name = str(json.loads(key))
    return name.partition("/")[2].split(":", 1)[0]


def main(argv: list[str] | None = None) -> int:
    """Both layouts, side by side; write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "dedupe_changelog.json")
    args = parser.parse_args(argv)
    stream, _, _ = semeval_stream(0, build=False)
    if not stream:
        print("no cached tagged articles: run python -m bench.story_corpus first", file=sys.stderr)
        return 2
    rows = [run(stream, args.partitions, derive) for derive in (False, True)]
    before, after = (row["changelog_records_per_article_total"] for row in rows)
    cpu_before, cpu_after = (row["hops_cpu_ms_per_article"] for row in rows)
    report = {
        "partitions": args.partitions,
        "rows": rows,
        "records_after_over_before": round(after / before, 3),
        "cpu_after_over_before": round(cpu_after / cpu_before, 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
