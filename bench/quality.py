"""The quality gate of a performance change: the quality figures, and each against its value before.

Three groups, each from data the figure was not tuned on where the project has such data:

- ``story``: same-story F1 on the SemEval dev pairs (tuning, held-out, each language pair, all 796
  articles as one stream) and the Reuters stream's flagged share and reviewed pair precision
  (``bench_story_stream`` over the cached tagging of ``bench/story_corpus.py``: a tagger or
  cleaner change needs the caches rebuilt first; without them the group is skipped, not built);
- ``duplicates``: the share of generated exact and near copies that the offline path marks
  ``exact``/``near``, and the share of generated "unique" articles it marks so (these recombine
  sentences of a small corpus, so some truly are near copies: a drift figure, not an error rate);
- ``tagger``: language accuracy and entity F1 on the labelled snippets (``tests/data/tagger``).

``gate`` compares every figure with ``bench/data/quality_baseline.json`` (the values before the
change): within 0.01 passes. ``python -m bench.quality --write-baseline`` records a new baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import bench_story_stream as story_bench
from bench import bench_tagger
from bench.story_review import review_figures
from services.core.models import EnrichedArticle
from services.deduper.logic import DeduperConfig
from services.loadtest.generator import Variant

BASELINE = Path(__file__).resolve().parent / "data" / "quality_baseline.json"
TOLERANCE = 0.01
DUPLICATE_SET: dict[str, Any] = {"seed": 7, "dup_ratio": 0.1, "articles": 200}


def story_quality(reuters: int = story_bench.REUTERS_RECORDS) -> dict[str, float] | None:
    """Same-story figures of the shipped rule over the cached streams; None when a cache is missing."""
    config = DeduperConfig()
    stream, _, labelled = story_bench.semeval_stream(build=False)
    reuters_stream = story_bench.reuters_stream(reuters, build=False)
    if len(stream) < 700 or len(reuters_stream) < reuters:
        return None
    events, _ = story_bench.run_stream(stream, config)
    scores = story_bench.semeval_scores(events, labelled)
    out = {f"semeval_{part}_f1": scores[part]["overall"]["f1"] for part in ("tuning", "held_out")}
    for pair in story_bench.PAIRS:
        out[f"semeval_{pair}_f1"] = scores["all"][pair]["f1"]
    out["semeval_stream_precision"] = scores["stream_precision"]
    r_events, _ = story_bench.run_stream(reuters_stream, config)
    shares = story_bench.reuters_scores(reuters_stream, r_events)["all"]["share"]
    out["reuters_same_story_share"] = shares.get("same_story", 0.0)
    out["reuters_reviewed_pair_precision"] = review_figures(reuters_stream, r_events)["pair_precision"]
    return out


def duplicate_quality(variants: Sequence[Variant], verdicts: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Recall of generated exact/near copies, and the share of recombined "unique" ones marked a copy.

    ``verdicts``: (source uri, duplicate status) of each output event, in output order.
    """
    status: dict[str, str] = {}
    for uri, verdict in verdicts:
        status.setdefault(uri, verdict)  # the first part of each payload
    copy = ("exact", "near")
    return {
        "exact_recall": _rate(variants, status, "exact", ("exact",)),
        "near_recall": _rate(variants, status, "near", copy),
        "recombined_marked_duplicate": _rate(variants, status, "unique", copy),
    }


def _rate(variants: Sequence[Variant], status: Mapping[str, str], kind: str, hits: tuple[str, ...]) -> float:
    """Share of the variants of one kind whose event got one of the ``hits`` statuses."""
    chosen = [status[v.uri] for v in variants if v.kind == kind and v.uri in status]
    return round(sum(1 for s in chosen if s in hits) / len(chosen), 4) if chosen else 0.0


def tagger_quality() -> dict[str, float]:
    """Language accuracy and entity F1 of the shipped tagger on the labelled snippets."""
    from services.tagger.logic import Tagger

    snippets = [json.loads(line) for line in bench_tagger.SNIPPETS.read_text().splitlines() if line.strip()]
    scores = bench_tagger.quality(Tagger(), snippets)
    return {"language_accuracy": scores["language_accuracy"], "entity_f1": scores["entity_f1"]}


def measure(
    variants: Sequence[Variant], events: Iterable[EnrichedArticle], *, seed: int, dup_ratio: float
) -> dict[str, Any]:
    """Every group's figures; ``events`` are the offline path's outputs for ``variants``.

    The duplicate figures cover the first ``DUPLICATE_SET`` articles of a generator with its seed and
    ratio, the set the baseline was measured on (the deduper's verdicts on a prefix of a stream do not
    depend on what follows); another seed or ratio, or fewer articles, skips the group.
    """
    count = DUPLICATE_SET["articles"]
    same = (seed, dup_ratio) == (DUPLICATE_SET["seed"], DUPLICATE_SET["dup_ratio"]) and len(variants) >= count
    verdicts = ((e.source.uri, e.duplicate.status) for e in events)
    return {
        "story": story_quality(),
        "duplicates": duplicate_quality(variants[: int(count)], verdicts) if same else None,
        "tagger": tagger_quality(),
    }


def gate(current: Mapping[str, Mapping[str, float] | None], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """Every figure beside its baseline value; ``passed`` when each is within ``TOLERANCE`` of it."""
    rows: dict[str, Any] = {}
    for group, figures in current.items():
        for name, value in (figures or {}).items():
            before = (baseline.get(group) or {}).get(name)
            delta = None if before is None else round(value - before, 4)
            rows[f"{group}.{name}"] = {
                "before": before, "after": round(value, 4), "delta": delta,
                "within_tolerance": delta is not None and abs(delta) <= TOLERANCE,
            }  # fmt: skip
    skipped = sorted(group for group, figures in current.items() if figures is None)
    missing = sorted(
        f"{group}.{name}"
        for group, figures in baseline.items()
        for name in figures or {}
        if f"{group}.{name}" not in rows and group not in skipped
    )
    return {
        "tolerance": TOLERANCE,
        "figures": rows,
        "skipped": skipped,
        "missing": missing,  # in the baseline, no longer measured
        "passed": bool(rows)
        and not skipped
        and not missing
        and all(r["within_tolerance"] for r in rows.values()),
    }


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    """The recorded figures before the change (empty when none was recorded)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def main(argv: list[str] | None = None) -> int:
    """Measure story and tagger quality (and duplicates over a small offline run); print the gate."""
    from bench import offline_bench
    from services.loadtest.cli import load_corpus
    from services.loadtest.generator import VariantGenerator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-baseline", action="store_true")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    seed, ratio = DUPLICATE_SET["seed"], DUPLICATE_SET["dup_ratio"]
    variants = VariantGenerator(load_corpus([root / "seeds"]), seed=seed, dup_ratio=ratio).take(
        DUPLICATE_SET["articles"]
    )
    events: list[EnrichedArticle] = []
    offline_bench.offline(variants, sink=events)
    current = measure(variants, events, seed=seed, dup_ratio=ratio)
    if args.write_baseline:
        BASELINE.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    report = gate(current, load_baseline())
    print(json.dumps(report, indent=2))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
