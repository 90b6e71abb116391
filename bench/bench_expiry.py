"""Expiry-queue writes per article at 1, 10 and 50 articles/s over one hour (changelog bytes).

``slots`` is the shipped layout (``services.deduper.expiry.Expirer``: one slot key per article plus
two counters); ``lists`` replays the previous layout (one id list per hour and shard, rewritten by
every article) for the side-by-side ratio.

Usage: python -m bench.bench_expiry [--out bench/results/expiry.json]
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path
from typing import Any

from services.deduper import keys as k
from services.deduper.expiry import Expirer

RATES = (1, 10, 50)
SHARDS = 8
HOUR0 = 480_000


def _bytes(writes: dict[str, Any]) -> int:
    return sum(len(key) + len(json.dumps(value)) for key, value in writes.items())


def slots(rate: int) -> float:
    """Mean changelog bytes per article of the shipped layout over one hour at ``rate``/s."""
    store: dict[str, Any] = {}
    expirer = Expirer(store, "meta", SHARDS, 16, 4, mh_rows=3)
    total = 0
    for i in range(3600 * rate):
        when = HOUR0 * k.HOUR + i // rate
        keys = expirer.queue_keys(f"article-{i:08d}", when)
        writes = expirer.enqueue(f"article-{i:08d}", when, {key: store[key] for key in keys if key in store})
        store.update(writes)
        total += _bytes(writes)
    return total / (3600 * rate)


def lists(rate: int) -> float:
    """The same for the previous layout: the hour's shard list rewritten with every new id."""
    store: dict[str, Any] = {}
    total = 0
    for i in range(3600 * rate):
        article_id = f"article-{i:08d}"
        queue = f"exp:{HOUR0}:{zlib.crc32(article_id.encode()) % SHARDS}"
        ids = [*store.get(queue, []), article_id]
        writes = {queue: ids, "meta:docs": i + 1}
        store.update(writes)
        total += _bytes(writes)
    return total / (3600 * rate)


def main(argv: list[str] | None = None) -> int:
    """Measure both layouts at each rate and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "expiry.json")
    args = parser.parse_args(argv)
    rows = {
        str(r): {"slots_bytes_per_article": round(slots(r), 1), "lists_bytes_per_article": round(lists(r), 1)}
        for r in RATES
    }
    low, high = rows[str(RATES[0])], rows[str(RATES[-1])]
    report = {
        "articles_per_s": rows,
        "slots_ratio_50_over_1": round(high["slots_bytes_per_article"] / low["slots_bytes_per_article"], 3),
        "lists_ratio_50_over_1": round(high["lists_bytes_per_article"] / low["lists_bytes_per_article"], 3),
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
