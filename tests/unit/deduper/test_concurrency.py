"""Verdicts of the partitioned deduper's hops stay consistent whatever the interleaving of articles in flight.

A simulator runs each article's hops (probe on every partition routed to, the verification of the
candidates on their homes, then the gather's commit)
interleaved at random with other articles' hops, as concurrent workers would, and checks what a
consumer relies on: nobody points at a duplicate or at a later article that points back, and a
duplicate's story is its original's final story.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from services.core.models import TaggedArticle
from services.deduper import keys as k
from services.deduper.partitioned import Partial, PartitionedDeduper, owner
from services.deduper.verdict import Verdict
from tests.unit.deduper.conftest import make_article


def _run_interleaved(
    deduper: PartitionedDeduper, articles: list[TaggedArticle], rng: random.Random
) -> dict[str, Verdict]:
    """Each article's probes, verification and commit, the articles' steps interleaved at random."""
    steps = {
        a.article_id: [("probe", n) for n in deduper.route(a)] + [("verify", -1), ("commit", -1)]
        for a in articles
    }
    by_id = {a.article_id: a for a in articles}
    found: dict[str, list[Partial]] = {a.article_id: [] for a in articles}
    finals: dict[str, Verdict] = {}
    while steps:
        article_id = rng.choice(sorted(steps))
        kind, n = steps[article_id].pop(0)
        article = by_id[article_id]
        sig = deduper.signature(article)
        if kind == "probe":
            found[article_id].append(deduper.probe(n, article))
        elif kind == "verify":
            finals[article_id] = deduper.decide(sig, found[article_id])
        else:
            for p in found[article_id]:
                deduper.commit(p.partition, sig, finals[article_id])
        if not steps[article_id]:
            del steps[article_id]
    return finals


def _check(finals: dict[str, Verdict]) -> None:
    for article_id, v in finals.items():
        if v.status in ("exact", "near"):
            assert v.of is not None and v.of != article_id
            original = finals[v.of]
            # near: the first version of the text (a root); exact: the first with that text
            roots = ("exact", "near") if v.status == "near" else ("exact",)
            assert original.status not in roots, f"{article_id} {v.status} of a duplicate {v.of}"
            assert original.of != article_id, f"{article_id} and {v.of} point at each other"
            assert v.story_id == original.story_id, f"{article_id}: story {v.story_id} != {original.story_id}"
        if v.status == "same_story":
            assert v.of is not None and v.story_id == v.of
            assert finals[v.of].story_id == v.story_id, f"{article_id}: its story root is not a root"
        if v.status == "unique":
            assert v.story_id == article_id


def _burst(seed_texts: list[str], base_time: datetime, *, same_time: bool) -> list[TaggedArticle]:
    """Exact copies and near variants of a few texts, ingested within seconds (or at one instant)."""
    out = []
    for i, text in enumerate(seed_texts[:4]):
        variants = [text, text, text + "\n\nUpdate: officials confirmed it.", text + "\n\nMore soon."]
        for j, body in enumerate(variants):
            at = base_time if same_time else base_time + timedelta(seconds=10 * i + j)
            suffix = f".p{j + 1}" if same_time else f"-{j}"
            out.append(make_article(f"a{i}{suffix}", body, at))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_any_interleaving_gives_consistent_verdicts(
    seed: int, seed_texts: list[str], base_time: datetime
) -> None:
    rng = random.Random(seed)
    articles = _burst(seed_texts, base_time, same_time=False)
    rng.shuffle(articles)
    _check(_run_interleaved(PartitionedDeduper({}, 4), articles, rng))


@pytest.mark.parametrize("seed", range(6))
def test_split_parts_sharing_one_ingest_time_never_point_at_each_other(
    seed: int, seed_texts: list[str], base_time: datetime
) -> None:
    rng = random.Random(100 + seed)
    articles = _burst(seed_texts, base_time, same_time=True)
    _check(_run_interleaved(PartitionedDeduper({}, 4), articles, rng))


def test_exact_copy_judged_first_on_the_fingerprint_owner_does_not_make_a_pair(
    seed_texts: list[str], base_time: datetime
) -> None:
    """The later copy B wins the fingerprint's owner, the earlier A wins every other partition."""
    early = make_article("A", seed_texts[1], base_time)
    late = make_article("B", seed_texts[1], base_time + timedelta(seconds=5))
    deduper = PartitionedDeduper({}, 4)
    fp_owner = owner(k.fp_key(deduper.signature(early).fingerprint), 4)
    parts = deduper.route(early)
    others = [n for n in parts if n != fp_owner]
    assert fp_owner in parts and others
    found_b = [deduper.probe(fp_owner, late)]
    found_a = [deduper.probe(fp_owner, early)] + [deduper.probe(n, early) for n in others]
    found_b += [deduper.probe(n, late) for n in others]
    a = deduper.decide(deduper.signature(early), found_a)
    b = deduper.decide(deduper.signature(late), found_b)
    assert not (a.of == "B" and b.of == "A"), (a, b)
    assert a.status == "unique" or b.status == "unique"
