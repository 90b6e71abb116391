"""Same-story quality in a stream: every article replayed as one stream through the deduper.

Two streams, tagged by the pipeline's own cleaner and tagger (``bench/story_corpus.py``, cached):

- **SemEval-2022 task 8 en/de development pairs**: all articles of all pairs, one stream, in a
  seeded random order. A rated pair counts as same story when both articles share a ``story_id``
  (same story: ``overall <= 1.5``; different: ``overall >= 3``). Merges of articles from
  different pairs count as false merges. Pairs are split by a hash of their id into a tuning
  part (70 %) and a held-out part (30 %); thresholds are chosen on the tuning part only.
- **Reuters-21578 wire stream** (15k stories with their own timestamps, oldest first): share of
  articles per status, cluster sizes, and a hand review (``bench/data/story_review.json``) of a
  seeded sample of flagged pairs and of the largest clusters of the held-out second half; a
  fixed sample of the first (tuning) half's flagged pairs is judged in
  ``bench/data/story_review_tuning.json`` (``reuters_tuning_review``), for tuning rules. The hand
  review of this run is written beside the report (``story_review.json``: pairs and stories by
  id, with their judgments). The same stories replayed as an archive loaded at once, without dates
  (and without their outlet), give ``reuters_undated``.

The SemEval pair F1 is also reported over several stream orders (``semeval_dev_order_spread``:
mean, sd, min, max per part and language pair), since the order alone moves it.

Usage: python -m bench.bench_story_stream [--reuters N] [--orders 5] [--out bench/results/story_stream.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.story_corpus import SEMEVAL, cached, reuters_records, semeval_records
from bench.story_review import cross_link_figures, cross_links, review, tuning_figures
from services.core.models import EnrichedArticle, TaggedArticle
from services.deduper.logic import DeduperConfig
from services.deduper.partitioned import PartitionedDeduper

REPO = Path(__file__).resolve().parents[1]
PAIRS = ("en-en", "de-de", "de-en")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The first 6,000 of the 15,485 Reuters records (26 Feb - mid March 1987): the e5 tagging of all of
# them takes about two hours on this machine; the cache (bench/story_corpus.py) can be completed.
REUTERS_RECORDS = 6000


def run_stream(
    articles: list[TaggedArticle], config: DeduperConfig, partitions: int = 1
) -> tuple[dict[str, EnrichedArticle], float]:
    """Run the offline path's partitioned deduper over a stream; (events by id, seconds per article)."""
    deduper = PartitionedDeduper({}, partitions, config)
    out: dict[str, EnrichedArticle] = {}
    started = time.process_time()
    for article in articles:
        out[article.article_id] = deduper.process(article, now=NOW)
    return out, (time.process_time() - started) / max(1, len(articles))


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


# -- SemEval -----------------------------------------------------------------------------------
def semeval_stream(
    seed: int | None = 0, *, build: bool = True
) -> tuple[list[TaggedArticle], dict[str, str], list[dict[str, Any]]]:
    """(stream, source article of each record, labelled pairs); one copy of each source article.

    The stream is shuffled with ``seed`` (``None``: record order, for ``shuffled``).
    """
    pairs = [json.loads(line) for line in SEMEVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    source_of: dict[str, str] = {}
    for row in pairs:
        left, right = row["pair_id"].split("_")
        source_of[f"{row['pair_id']}:1"], source_of[f"{row['pair_id']}:2"] = left, right
    first_record: dict[str, str] = {}
    stream: list[TaggedArticle] = []
    for record_id, tagged in cached("semeval-dev", semeval_records(), build=build):
        source = source_of[record_id]
        if first_record.setdefault(source, record_id) != record_id:
            continue  # the same source article in another pair: stream it once
        stream.append(tagged.model_copy(update={"article_id": f"{source}/{tagged.article_id}"}))
    if seed is not None:
        stream = shuffled(stream, seed)
    labelled = []
    for row in pairs:
        if row["overall"] <= 1.5 or row["overall"] >= 3:
            left, right = row["pair_id"].split("_")
            lang = "-".join(sorted((row["lang1"], row["lang2"]), key=("de", "en").index))
            held_out = _held_out(row["pair_id"])
            labelled.append(
                {"a": left, "b": right, "same": row["overall"] <= 1.5, "pair": lang, "held_out": held_out}
            )
    return stream, source_of, labelled


def shuffled(stream: list[TaggedArticle], seed: int) -> list[TaggedArticle]:
    """The stream in the order of one seed."""
    out = list(stream)
    random.Random(seed).shuffle(out)
    return out


def semeval_scores(events: dict[str, EnrichedArticle], labelled: list[dict[str, Any]]) -> dict[str, Any]:
    """Pair P/R/F1 per language pair (tuning, held-out), and merges across pairs."""
    story: dict[str, str] = {}
    for event_id, event in events.items():
        story.setdefault(event_id.split("/", 1)[0], event.story_id)  # first part of each source
    members: dict[str, set[str]] = defaultdict(set)
    for source, sid in story.items():
        members[sid].add(source)
    rated = {frozenset((p["a"], p["b"])) for p in labelled}
    all_pairs = {frozenset(row.split("_")) for row in _pair_ids()}
    cross = sum(
        1
        for group in members.values()
        for a in group
        for b in group
        if a < b and frozenset((a, b)) not in all_pairs
    )
    out: dict[str, Any] = {}
    for part in ("tuning", "held_out", "all"):
        chosen = [p for p in labelled if part == "all" or p["held_out"] == (part == "held_out")]
        part_out: dict[str, Any] = {}
        for lp in ("overall", *PAIRS):
            counts: Counter[str] = Counter()
            for p in chosen:
                if lp != "overall" and p["pair"] != lp:
                    continue
                pred = story.get(p["a"]) is not None and story.get(p["a"]) == story.get(p["b"])
                counts["tp" if pred and p["same"] else "fp" if pred else "fn" if p["same"] else "tn"] += 1
            part_out[lp] = {**prf(counts["tp"], counts["fp"], counts["fn"]), "pairs": sum(counts.values())}
        out[part] = part_out
    tp = sum(1 for p in labelled if p["same"] and story.get(p["a"]) == story.get(p["b"]))
    fp = sum(1 for p in labelled if not p["same"] and story.get(p["a"]) == story.get(p["b"]))
    out["cross_pair_merges"] = cross
    out["stream_precision"] = round(tp / max(1, tp + fp + cross), 4)
    out["rated_pairs"] = len(rated)
    out["cross_pair_links"] = _reviewed_links(events, labelled, story, all_pairs)
    return out


def order_spread(config: DeduperConfig, seeds: range) -> dict[str, Any]:
    """Pair F1 per part and language pair over several stream orders: how much the order alone moves it.

    Which article opens a story depends on the order, and with it which pairs a leader-only rule
    merges; on 104 held-out pairs a few verdicts move the F1 by several points.
    """
    runs: dict[str, list[float]] = defaultdict(list)
    in_record_order, _, labelled = semeval_stream(None, build=False)  # read once
    for seed in seeds:
        scores = semeval_scores(run_stream(shuffled(in_record_order, seed), config)[0], labelled)
        for part in ("tuning", "held_out"):
            for lp in ("overall", *PAIRS):
                runs[f"{part}.{lp}"].append(scores[part][lp]["f1"])
    out: dict[str, Any] = {"seeds": list(seeds)}
    for name, values in runs.items():
        mean = sum(values) / len(values)
        sd = (sum((v - mean) ** 2 for v in values) / max(1, len(values) - 1)) ** 0.5
        out[name] = {"mean": round(mean, 4), "sd": round(sd, 4), "min": min(values), "max": max(values)}
    return out


def _reviewed_links(
    events: dict[str, EnrichedArticle],
    labelled: list[dict[str, Any]],
    story: dict[str, str],
    all_pairs: set[frozenset[str]],
) -> dict[str, Any]:
    """Links across pairs as hand-judged, and the precision of all merges (unjudged links count false).

    ``reviewed_precision`` = (rated same pairs merged + links judged one story) / (rated pairs
    merged + all links across pairs), per part; a link belongs to the part of its article's pair.
    """
    held_of: dict[str, bool] = {}
    for pair_id in _pair_ids():
        for source in pair_id.split("_"):
            held_of.setdefault(source, _held_out(pair_id))
    links = cross_links(events, all_pairs)
    out: dict[str, Any] = {}
    for part in ("tuning", "held_out"):
        held = part == "held_out"
        figures = cross_link_figures([link for link in links if held_of[link[0]] == held])
        merged = [p for p in labelled if p["held_out"] == held and story.get(p["a"]) == story.get(p["b"])]
        tp = sum(1 for p in merged if p["same"])
        precision = (tp + figures["judged_same"]) / max(1, len(merged) + figures["links"])
        out[part] = {**figures, "rated_pairs_merged": len(merged), "reviewed_precision": round(precision, 4)}
    return out


def _held_out(pair_id: str) -> bool:
    """The held-out part: 30 % of the pairs, by a hash of the pair id."""
    return zlib.crc32(pair_id.encode()) % 10 < 3


def _pair_ids() -> list[str]:
    lines = SEMEVAL.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["pair_id"] for line in lines if line.strip()]


# -- Reuters -----------------------------------------------------------------------------------
def reuters_stream(limit: int | None, *, build: bool = True) -> list[TaggedArticle]:
    """The Reuters stream, oldest first, ingested at its published time (``build``: tag what is missing)."""
    out = []
    for _, tagged in cached("reuters-dev", reuters_records(limit), build=build):
        when = tagged.published or tagged.timestamps.ingested
        out.append(
            tagged.model_copy(update={"timestamps": tagged.timestamps.model_copy(update={"ingested": when})})
        )
    return out


def undated(stream: list[TaggedArticle], *, outlet: bool) -> list[TaggedArticle]:
    """The stream as an archive loaded at once: no ``published``, one ingestion time (and no outlet)."""
    at = stream[0].timestamps.ingested if stream else NOW
    out = []
    for article in stream:
        source = article.source if outlet else article.source.model_copy(update={"outlet": None})
        stamps = article.timestamps.model_copy(update={"ingested": at})
        out.append(article.model_copy(update={"published": None, "timestamps": stamps, "source": source}))
    return out


def reuters_scores(stream: list[TaggedArticle], events: dict[str, EnrichedArticle]) -> dict[str, Any]:
    """Status shares and cluster sizes over the whole stream and its held-out second half."""
    half = {a.article_id for a in stream[len(stream) // 2 :]}
    out: dict[str, Any] = {}
    for part, ids in (("all", set(events)), ("held_out", half)):
        statuses = Counter(events[i].duplicate.status for i in ids)
        clusters = Counter(events[i].story_id for i in ids)
        sizes = sorted(clusters.values(), reverse=True)
        buckets = Counter(
            "1"
            if s == 1
            else "2"
            if s == 2
            else "3-5"
            if s <= 5
            else "6-10"
            if s <= 10
            else "11-20"
            if s <= 20
            else ">20"
            for s in sizes
        )
        out[part] = {
            "articles": len(ids),
            "share": {s: round(n / max(1, len(ids)), 4) for s, n in sorted(statuses.items())},
            "clusters_by_size": dict(sorted(buckets.items())),
            "largest_clusters": sizes[:10],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    """Run both streams with the shipped rule and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=int, default=REUTERS_RECORDS, help="first N Reuters records")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "story_stream.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--orders", type=int, default=5, help="stream orders for the F1 spread (0: none)")
    args = parser.parse_args(argv)
    config = DeduperConfig()
    stream, _, labelled = semeval_stream(args.seed)
    events, cost = run_stream(stream, config)
    _, cost_off = run_stream(stream, replace(config, story=replace(config.story, threshold=9.0)))
    report: dict[str, Any] = {
        "rule": asdict(config.story),
        "semeval_dev": {"articles": len(stream), **semeval_scores(events, labelled)},
        "cost_ms_per_article": {
            "dedupe_with_story": round(cost * 1000, 3),
            "dedupe_without_story": round(cost_off * 1000, 3),
            "story_decision": round((cost - cost_off) * 1000, 3),
        },
    }
    if args.orders:
        report["semeval_dev_order_spread"] = order_spread(config, range(args.seed, args.seed + args.orders))
    reuters = reuters_stream(args.reuters)
    if reuters:
        r_events, r_cost = run_stream(reuters, config)
        report["reuters_dev"] = {
            **reuters_scores(reuters, r_events),
            "dedupe_ms_per_article": round(r_cost * 1000, 3),
        }
        report["reuters_review"], sheet = review(reuters, r_events, seed=args.seed)
        report["reuters_tuning_review"] = tuning_figures(reuters, r_events)
        # the same stories as an archive loaded at once (no dates), with and without their outlet
        report["reuters_undated"] = {
            name: reuters_scores(flat, run_stream(flat, config)[0])["all"]
            for name, flat in (
                ("with_outlet", undated(reuters, outlet=True)),
                ("without_outlet", undated(reuters, outlet=False)),
            )
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if reuters:  # the hand review behind the Reuters figures, beside the report
        review_out = args.out.with_name("story_review.json")
        review_out.write_text(json.dumps(sheet, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
