"""Benchmark clean() on one core over payloads recombined from the seeds and the cleaner corpus.

Usage: python bench/bench_cleaner.py [--payloads N] [--seed S] [--no-scaling] [--out FILE]

The scaling part times one payload of 0.1, 0.5, 1 and 2 MB of glued articles with many subheadings
(the shape that made the old splitter quadratic) and reports the time ratio per doubling of size
(2.0 = linear, 4.0 = quadratic).
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import math
import os
import platform
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.cleaner.logic import BoilerplateMemory, StepTimer, clean  # noqa: E402
from services.core.models import RawArticle, Source, Timestamps  # noqa: E402
from services.core.outcomes import Rejection  # noqa: E402

Encoding = Literal["utf-8", "base64"]
CORPUS = ROOT / "tests" / "data" / "cleaner" / "corpus"
NOISE = [
    "Short Url",
    "Share",
    "Follow",
    "Facebook Twitter WhatsApp Email",
    "Updated 30 December 2022",
    "Aktualisiert am 3. März 2024, 14:05 Uhr",
    "Read more: Markets rally after rate decision",
    "ADVERTISEMENT",
    "Anzeige",
    "Foto: dpa",
    "A crowd gathers outside the parliament building (AFP)",
    "We use cookies to improve your experience. By continuing you accept our cookie policy.",
    "Sign up for our daily newsletter to get the latest news in your inbox",
    "Support independent journalism in the valley today",
]


def _texts() -> list[tuple[str, Encoding, str]]:
    """(name, encoding, text) for every seed and corpus input."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    out: list[tuple[str, Encoding, str]] = [(p.name, "utf-8", p.read_text(encoding="utf-8")) for p in seeds]
    for path in sorted(CORPUS.iterdir()):
        encoding: Encoding = "base64" if path.suffix == ".b64" else "utf-8"
        out.append((path.name, encoding, path.read_bytes().decode("utf-8")))
    return out


def _variant(rng: random.Random, pool: list[tuple[str, Encoding, str]]) -> tuple[str, Encoding, str]:
    """One payload: an input as is, or text inputs glued, noised, duplicated or wrapped in HTML."""
    name, encoding, text = rng.choice(pool)
    if encoding == "base64" or rng.random() < 0.3:
        return name, encoding, text
    plain = [t for n, e, t in pool if e == "utf-8" and not n.endswith(".html") and t.strip()]
    if rng.random() < 0.25:
        text = text.rstrip() + "\n\n\n" + rng.choice(plain)
    lines = text.split("\n")
    for _ in range(rng.randint(0, 4)):
        lines.insert(rng.randint(0, len(lines)), rng.choice(NOISE))
    if rng.random() < 0.2 and len(lines) > 3:
        lines.extend(rng.sample(lines, k=min(3, len(lines))))
    text = "\n".join(lines)
    if rng.random() < 0.15 and not name.endswith(".html"):
        body = "".join(f"<p>{html.escape(x)}</p>" for x in lines if x.strip())
        nav = "<nav><a href='/'>Home</a> <a>World</a></nav>"
        text = f"<!doctype html><html><body>{nav}<article>{body}</article></body></html>"
    return name, "utf-8", text


SCALING_MB = (0.1, 0.5, 1.0, 2.0)


def _scaling_payload(target_bytes: int) -> str:
    """One long article on one topic: subheadings after two blank lines, each with a paragraph."""
    parts = ["Harbour authority publishes its plan for the northern quay", "Updated 3 March 2024", ""]
    size, k = 0, 0
    while size < target_bytes:
        k += 1
        block = (
            f"\n\nHarbour quay works continue in section {k}\n\n"
            f"The harbour authority said the northern quay works in section {k} would continue through "
            "the spring, with cranes, dredgers and barges moving between the berths every night.\n"
        )
        parts.append(block)
        size += len(block.encode("utf-8"))
    return "\n".join(parts)[:target_bytes]


def scaling(now: datetime, repeats: int = 2) -> dict[str, object]:
    """Time clean() on one payload per size; the ratio per doubling shows linear or worse growth."""
    rows: list[dict[str, float]] = []
    for mb in SCALING_MB:
        text = _scaling_payload(int(mb * 1_000_000))
        raw = RawArticle(
            article_id=f"scale-{mb}",
            source=Source(uri="bench/scaling"),
            text=text,
            timestamps=Timestamps(ingested=now),
        )
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            result = clean(raw, now=now)
            best = min(best, time.perf_counter() - start)
        parts = len(result) if isinstance(result, list) else 0
        rows.append({"mb": mb, "bytes": len(text.encode("utf-8")), "seconds": round(best, 3), "parts": parts})
    ratios = {}
    for a, b in itertools.pairwise(rows):
        doublings = math.log2(b["bytes"] / a["bytes"])
        ratios[f"{a['mb']}->{b['mb']}"] = round((b["seconds"] / a["seconds"]) ** (1 / doublings), 2)
    return {"payloads": rows, "ratio_per_doubling": ratios, "linear_is": 2.0}


def main() -> None:
    """Run the benchmark and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payloads", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "cleaner.json")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 0.1-2 MB linear-time part")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(args.seed)
    pool = _texts()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    raws = []
    for i in range(args.payloads):
        name, encoding, text = _variant(rng, pool)
        raws.append(
            RawArticle(
                article_id=f"bench-{i}",
                source=Source(uri=f"bench/{name}"),
                encoding=encoding,
                text=text,
                timestamps=Timestamps(ingested=now),
            )
        )
    payload_bytes = sum(len(r.text.encode("utf-8")) for r in raws)
    clean(raws[0], now=now)  # warm-up: load rules, import lazily-loaded modules
    timer = StepTimer()
    memory = BoilerplateMemory({}, threshold=10, window_seconds=3600)
    outcomes: Counter[str] = Counter()
    articles = 0
    start = time.perf_counter()
    for i, raw in enumerate(raws):
        result = clean(raw, now=now + timedelta(seconds=i), learned=memory, timer=timer)
        if isinstance(result, Rejection):
            outcomes[result.reason] += 1
        else:
            articles += len(result)
            outcomes["articles" if len(result) == 1 else "split"] += 1
    elapsed = time.perf_counter() - start
    report = {
        "payloads": len(raws),
        "articles_out": articles,
        "payload_mib": round(payload_bytes / 2**20, 2),
        "seconds": round(elapsed, 3),
        "payloads_per_s": round(len(raws) / elapsed, 1),
        "articles_per_s": round(articles / elapsed, 1),
        "mib_per_s": round(payload_bytes / 2**20 / elapsed, 3),
        "step_share": {k: round(v, 4) for k, v in timer.shares().items()},
        "step_seconds": {k: round(v, 4) for k, v in sorted(timer.seconds.items())},
        "outcomes": dict(sorted(outcomes.items())),
        "learned_keys": len(memory.storage),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cores_used": 1,
    }
    if not args.no_scaling:
        report["scaling"] = scaling(now)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
