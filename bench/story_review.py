"""The hand review of same-story verdicts on the Reuters stream: sample, judgments, precision.

The judgments live in ``bench/data/story_review.json`` so the figures can be recomputed:
``pairs`` maps ``"<article id>|<leader id>"`` to ``{"same": bool, "note": str}``, and ``clusters``
maps a story id to ``{"story": bool, "note": str}`` (``story``: one event, not a topic). A sample
drawn after the rule changed reuses the judgments it shares with the file; pairs not judged yet are
listed by ``python -m bench.story_review`` so a reviewer can add them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from services.core.models import EnrichedArticle, TaggedArticle

REVIEW = Path(__file__).resolve().parent / "data" / "story_review.json"
# Judgments of a sample of the first (tuning) half's flagged pairs: rules may be tuned on these.
TUNING_REVIEW = Path(__file__).resolve().parent / "data" / "story_review_tuning.json"
# Judgments of links between articles of different SemEval pairs (``"<article>|<story leader>"``).
CROSS_REVIEW = Path(__file__).resolve().parent / "data" / "semeval_cross_review.json"
SAMPLE_PAIRS = 50
CLUSTERS = 10


def load_review(path: Path = REVIEW) -> dict[str, dict[str, Any]]:
    """The judgments so far (empty sections when the file is new)."""
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.setdefault("pairs", {})
    data.setdefault("clusters", {})
    return data


Pair = tuple[str, str]  # (article, story leader)


def sample(
    stream: list[TaggedArticle], events: dict[str, EnrichedArticle], seed: int = 0
) -> tuple[list[Pair], list[tuple[str, list[str]]], list[Pair]]:
    """Of the held-out half: a hash-ordered sample of same-story pairs, the largest stories, all pairs."""
    held = [a.article_id for a in stream[len(stream) // 2 :]]
    flagged = sorted((i, events[i].story_id) for i in held if events[i].duplicate.status == "same_story")
    # Hash-ordered, not random.sample: a pair's place depends on the pair alone, so a small change
    # of the flagged set changes the sample only where the flagged pairs change.
    pairs = sorted(flagged, key=lambda p: hashlib.sha256(f"{seed}|{p[0]}|{p[1]}".encode()).hexdigest())
    pairs = pairs[:SAMPLE_PAIRS]
    members: dict[str, list[str]] = defaultdict(list)
    for i in held:
        members[events[i].story_id].append(i)
    stories = [(sid, ids) for sid, ids in members.items() if len(ids) > 1]
    stories.sort(key=lambda s: (-len(s[1]), s[0]))
    return pairs, stories[:CLUSTERS], flagged


def review(
    stream: list[TaggedArticle], events: dict[str, EnrichedArticle], seed: int = 0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The review's figures (precision of the sampled pairs, largest stories judged one story) and
    its sheet: each sampled pair and largest story by id, with its judgment (``None``: not judged).

    The sheet holds ids and times only, never the articles' text (the dataset stays outside the
    project).
    """
    pairs, clusters, flagged = sample(stream, events, seed)
    judgments = load_review()
    when = {a.article_id: str(a.published) for a in stream}
    sheet: dict[str, Any] = {
        "review_file": str(REVIEW.relative_to(REVIEW.parents[2])),
        "pairs": [
            {
                "article": a,
                "leader": b,
                "published": [when[a], when[b]],
                "same": judgments["pairs"].get(f"{a}|{b}", {}).get("same"),
                "note": judgments["pairs"].get(f"{a}|{b}", {}).get("note"),
            }
            for a, b in pairs
        ],
        "clusters": [
            {
                "story_id": sid,
                "articles": ids,
                "published": [when[i] for i in ids],
                "story": judgments["clusters"].get(sid, {}).get("story"),
                "note": judgments["clusters"].get(sid, {}).get("note"),
            }
            for sid, ids in clusters
        ],
    }
    judged = [p["same"] for p in sheet["pairs"] if p["same"] is not None]
    stories = [c["story"] for c in sheet["clusters"] if c["story"] is not None]
    # Every flagged pair that any sample so far has judged, too: a larger, if not random, sample.
    known = _still_flagged(judgments["pairs"], {f"{a}|{b}" for a, b in flagged})
    figures = {
        "sampled_pairs": len(pairs),
        "judged_pairs": len(judged),
        "pair_precision": _precision(judged),
        "flagged_pairs": len(flagged),
        "flagged_pairs_judged": len(known),
        "flagged_pairs_judged_precision": _precision(known),
        # judged one story and flagged: a recall proxy (how many known true pairs a rule keeps)
        "flagged_pairs_judged_same": sum(known),
        "largest_clusters": [len(ids) for _, ids in clusters],
        "judged_clusters": len(stories),
        "clusters_judged_one_story": sum(stories),
        "review_file": sheet["review_file"],
    }
    return figures, sheet


def review_figures(
    stream: list[TaggedArticle], events: dict[str, EnrichedArticle], seed: int = 0
) -> dict[str, Any]:
    """The review's figures alone (see ``review``)."""
    return review(stream, events, seed)[0]


def tuning_figures(
    stream: list[TaggedArticle], events: dict[str, EnrichedArticle], path: Path = TUNING_REVIEW
) -> dict[str, Any]:
    """Precision of the tuning half's judged pairs that the rule still flags (each sample is fixed).

    ``pairs`` is the first sample (drawn before the subject check), ``pairs2`` a second one drawn
    after it from the pairs not judged yet, ``other_pairs`` what rule variants added; ``all_judged``
    counts every judged pair the rule flags (not a random sample: judged pairs are over-represented).
    """
    first = {a.article_id for a in stream[: len(stream) // 2]}
    flagged = {f"{i}|{events[i].story_id}" for i in first if events[i].duplicate.status == "same_story"}
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    review = data["pairs"]
    kept = _still_flagged(review, flagged)
    second = _still_flagged(data.get("pairs2", {}), flagged)
    known = _still_flagged({**data.get("other_pairs", {}), **data.get("pairs2", {}), **review}, flagged)
    return {
        "judged_pairs": len(review),
        "judged_pairs_still_flagged": len(kept),
        "judged_same_still_flagged": sum(kept),
        "precision": _precision(kept),
        "second_sample_still_flagged": len(second),
        "second_sample_precision": _precision(second),
        "all_judged_still_flagged": len(known),
        "all_judged_precision": _precision(known),
        "flagged_pairs": len(flagged),
        "review_file": str(path.relative_to(path.parents[2])),
    }


def _still_flagged(judgments: dict[str, dict[str, Any]], flagged: set[str]) -> list[bool]:
    """The judgments (same story or not) of the judged pairs the rule flags."""
    return [v["same"] for key, v in judgments.items() if key in flagged]


def _precision(judged: list[bool]) -> float | None:
    """Share of pairs judged one story (None when none is judged)."""
    return round(sum(judged) / len(judged), 4) if judged else None


def unjudged(
    stream: list[TaggedArticle], events: dict[str, EnrichedArticle], seed: int = 0
) -> dict[str, Any]:
    """What a reviewer still has to judge: pair texts and cluster titles."""
    by_id = {a.article_id: a for a in stream}
    _, sheet = review(stream, events, seed)

    def show(article_id: str) -> str:
        art = by_id[article_id]
        return f"[{art.published}] {art.title} :: {' '.join(art.text.split())[:400]}"

    return {
        "pairs": {
            f"{p['article']}|{p['leader']}": [show(p["article"]), show(p["leader"])]
            for p in sheet["pairs"]
            if p["same"] is None
        },
        "clusters": {
            c["story_id"]: [show(i)[:160] for i in c["articles"]]
            for c in sheet["clusters"]
            if c["story"] is None
        },
    }


def cross_links(events: dict[str, EnrichedArticle], pairs: set[frozenset[str]]) -> list[tuple[str, str]]:
    """(source, story source) of every article the stream put in another article's story, across pairs.

    Event ids are ``<source>/<article id>``; a link is the claim "this article is of that story",
    the story named by its leader (``story_id``), for near and exact verdicts as for same-story ones.
    """
    out = []
    for event_id, event in events.items():
        if event.duplicate.status == "unique":
            continue
        source, leader = event_id.split("/", 1)[0], event.story_id.split("/", 1)[0]
        if source != leader and frozenset((source, leader)) not in pairs:
            out.append((source, leader))
    return sorted(out)


def cross_link_figures(links: list[tuple[str, str]], path: Path = CROSS_REVIEW) -> dict[str, Any]:
    """How many cross-pair links the review judged one story, another, or has not judged."""
    review: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["links"]
    judged = [review[f"{a}|{b}"]["same"] for a, b in links if f"{a}|{b}" in review]
    return {
        "links": len(links),
        "judged_same": sum(judged),
        "judged_different": len(judged) - sum(judged),
        "unjudged": len(links) - len(judged),
    }


def main() -> int:
    """Print the pairs and clusters of the current sample that have no judgment yet."""
    from bench.bench_story_stream import REUTERS_RECORDS, reuters_stream, run_stream
    from services.deduper.logic import DeduperConfig

    stream = reuters_stream(REUTERS_RECORDS)
    events, _ = run_stream(stream, DeduperConfig())
    print(json.dumps(unjudged(stream, events), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
