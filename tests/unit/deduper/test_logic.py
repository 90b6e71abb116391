"""Deduper decisions over the seeds and synthetic variants: exact, near, same story, unique, expiry."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from services.core.models import TaggedArticle
from services.deduper.keys import ref_of
from services.deduper.logic import Deduper, DeduperConfig, fingerprint
from tests.unit.deduper.conftest import make_article

Seeds = Callable[[str], list[TaggedArticle]]


def run(deduper: Deduper, articles: list[TaggedArticle], now: datetime) -> dict[str, Any]:
    """Process articles in order; verdicts by article id."""
    return {a.article_id: deduper.process(a, now=now) for a in articles}


def test_seeds_000_and_001_are_one_story_and_nothing_else_matches(seeds: Seeds, base_time: datetime) -> None:
    store: dict[str, Any] = {}
    out = run(Deduper(store), seeds("a"), base_time)
    assert out["a-001"].duplicate.status == "same_story"
    assert out["a-001"].duplicate.of == "a-000"
    assert out["a-001"].story_id == "a-000"
    for other in ("a-000", "a-002", "a-003", "a-004"):
        assert out[other].duplicate.status == "unique", other
        assert out[other].duplicate.of is None
        assert out[other].story_id == other
    json.dumps(store)  # the state is JSON-serialisable, as a faust table needs


def test_replaying_samples_twice_flags_every_second_copy_exact(seeds: Seeds, base_time: datetime) -> None:
    deduper = Deduper({})
    first = run(deduper, seeds("first"), base_time)
    again = run(deduper, seeds("again"), base_time + timedelta(hours=6))
    for (fid, f), (aid, a) in zip(first.items(), again.items(), strict=True):
        assert a.duplicate.status == "exact", aid
        assert a.duplicate.of == fid
        assert a.duplicate.similarity == 1.0
        assert a.story_id == f.story_id
        assert a.fingerprint == f.fingerprint


def _near_variants(text: str) -> dict[str, str]:
    paragraphs = [p for p in text.splitlines() if p.strip()]
    assert len(paragraphs) >= 5
    changed = list(paragraphs)
    changed[len(changed) // 2] = "A spokesman declined to comment further on the matter when asked on Monday."
    rng = random.Random(7)
    words = text.split()
    for i in rng.sample(range(len(words)), k=len(words) // 20):
        words[i] = rng.choice(["alpha", "reportedly", "officials", "quickly", "however", "said"])
    return {
        "paragraph": "\n\n".join(changed),
        "footer": text + "\n\nCopyright 2024 Example Wire. All rights reserved. Follow us for more news.",
        "edits5pct": " ".join(words),
    }


def test_synthetic_near_duplicates_are_found(seed_texts: list[str], base_time: datetime) -> None:
    for n, original in enumerate(seed_texts):
        deduper = Deduper({})
        deduper.process(make_article(f"orig{n}", original, base_time), now=base_time)
        for kind, text in _near_variants(original).items():
            out = deduper.process(make_article(f"{kind}{n}", text, base_time), now=base_time)
            assert out.duplicate.status == "near", (n, kind)
            assert out.duplicate.of == f"orig{n}"
            assert out.story_id == f"orig{n}"
            assert out.duplicate.similarity is not None
            assert 0.5 <= out.duplicate.similarity <= 1.0


def test_near_duplicate_of_a_near_duplicate_points_to_the_first_version(
    seed_texts: list[str], base_time: datetime
) -> None:
    deduper = Deduper({})
    text = seed_texts[3]
    deduper.process(make_article("v1", text, base_time), now=base_time)
    deduper.process(make_article("v2", text + "\n\nUpdate: more details.", base_time), now=base_time)
    out = deduper.process(
        make_article("v3", text + "\n\nUpdate: more details, again.", base_time), now=base_time
    )
    assert (out.duplicate.status, out.duplicate.of) == ("near", "v1")


def test_unrelated_articles_are_left_alone(seed_texts: list[str], base_time: datetime) -> None:
    deduper = Deduper({})
    rng = random.Random(3)
    vocab = sorted({w for t in seed_texts for w in t.split()})
    texts = [*seed_texts, *(" ".join(rng.choices(vocab, k=300)) for _ in range(20))]
    outs = [deduper.process(make_article(f"u{i}", t, base_time), now=base_time) for i, t in enumerate(texts)]
    assert [o.duplicate.status for o in outs] == ["unique"] * len(texts)
    assert len({o.story_id for o in outs}) == len(texts)


def test_redelivery_is_never_a_duplicate_of_itself(seeds: Seeds, base_time: datetime) -> None:
    deduper = Deduper({})
    first = run(deduper, seeds("r"), base_time)
    again = run(deduper, seeds("r"), base_time + timedelta(minutes=5))
    for aid, out in again.items():
        assert out.duplicate == first[aid].duplicate, aid
        assert out.duplicate.of != aid
        assert out.story_id == first[aid].story_id
    assert deduper.stats()["docs"] == 5


def test_redelivery_after_exact_keeps_the_exact_verdict(seed_texts: list[str], base_time: datetime) -> None:
    deduper = Deduper({})
    deduper.process(make_article("x1", seed_texts[0], base_time), now=base_time)
    dup = make_article("x2", seed_texts[0], base_time)
    assert deduper.process(dup, now=base_time).duplicate.of == "x1"
    assert deduper.process(dup, now=base_time).duplicate.of == "x1"


def test_window_expiry_evicts_and_forgets(seed_texts: list[str], base_time: datetime) -> None:
    store: dict[str, Any] = {}
    deduper = Deduper(store, DeduperConfig(window_days=7))
    deduper.process(make_article("old", seed_texts[2], base_time), now=base_time)
    assert deduper.stats()["docs"] == 1
    later = base_time + timedelta(days=8)
    deduper.process(make_article("new", seed_texts[4], later), now=later)
    assert deduper.stats()["evictions"] == 1
    assert deduper.stats()["evictions_total"] == 1
    assert deduper.stats()["docs"] == 1
    assert "doc:old" not in store
    assert not any("old" in json.dumps(v) for k, v in store.items() if not k.startswith("doc:"))
    again = deduper.process(make_article("again", seed_texts[2], later), now=later)
    assert again.duplicate.status == "unique"


def test_articles_older_than_the_window_are_decided_but_not_stored(
    seed_texts: list[str], base_time: datetime
) -> None:
    deduper = Deduper({})
    deduper.process(make_article("now", seed_texts[0], base_time), now=base_time)
    stale = base_time - timedelta(days=30)
    out = deduper.process(make_article("stale", seed_texts[1], stale), now=base_time)
    assert out.duplicate.status == "unique"
    assert "doc:stale" not in deduper.store


def test_index_lists_stay_bounded(base_time: datetime) -> None:
    config = DeduperConfig(max_refs=5)
    store: dict[str, Any] = {}
    deduper = Deduper(store, config)
    from services.core.models import Entity

    ent = [Entity(id="Q7184", name="NATO", type="organization", count=3)]
    for i in range(30):
        text = f"story number {i} " + " ".join(f"w{i}x{j}" for j in range(40))
        deduper.process(make_article(f"b{i}", text, base_time, entities=ent), now=base_time)
    lists = [v for k, v in store.items() if k.startswith(("ent:", "mh:", "emb:"))]
    assert lists
    assert max(len(v) for v in lists) <= 5
    assert len(store["ent:Q7184:" + str(int(base_time.timestamp()) // 86400)]) == 5


def test_two_hop_halves_give_the_same_verdict_as_process(seeds: Seeds, base_time: datetime) -> None:
    deduper = Deduper({})
    articles = seeds("h")
    for a in articles[:1]:
        deduper.process(a, now=base_time)
    sig = deduper.signature(articles[1])
    values = {k: deduper.store[k] for k in deduper.keys_for(sig) if k in deduper.store}
    values.update({k: deduper.store[k] for k in deduper.doc_keys(sig, values) if k in deduper.store})
    verdict = deduper.decide(sig, values)
    assert (verdict.status, verdict.of) == ("same_story", "h-000")
    writes = deduper.updates(sig, verdict, values)
    assert "doc:h-001" in writes
    assert all(k.split(":")[0] in {"doc", "fp", "mh", "emb", "ent", "exp", "meta"} for k in writes)


def test_same_story_needs_closeness_in_time(seeds: Seeds, base_time: datetime) -> None:
    articles = seeds("t")
    deduper = Deduper({}, replace(DeduperConfig(), window_days=30))
    deduper.process(articles[0], now=base_time)
    late = articles[1].model_copy(
        update={
            "timestamps": articles[1].timestamps.model_copy(
                update={"ingested": base_time + timedelta(days=6)}
            )
        }
    )
    assert deduper.process(late, now=base_time).duplicate.status == "unique"


def test_fingerprint_normalises_case_space_and_quotes() -> None:
    assert fingerprint("China’s  embassy\n said “no”") == fingerprint('china\'s embassy said "no" ')
    assert fingerprint("a b") != fingerprint("a c")


def test_old_published_dates_do_not_drop_replayed_articles(
    seed_texts: list[str], base_time: datetime
) -> None:
    deduper = Deduper({})
    published = [base_time - timedelta(days=600), base_time - timedelta(days=2)]
    firsts = [make_article(f"p{i}", t, base_time) for i, t in enumerate(seed_texts[:2])]
    for art, when in zip(firsts, published, strict=True):
        deduper.process(art.model_copy(update={"published": when}), now=base_time)
    for i, when in enumerate(published):
        copy = make_article(f"copy{i}", seed_texts[i], base_time + timedelta(hours=1))
        out = deduper.process(copy.model_copy(update={"published": when}), now=base_time)
        assert (out.duplicate.status, out.duplicate.of) == ("exact", f"p{i}")


def test_same_story_gap_uses_published_times(seeds: Seeds, base_time: datetime) -> None:
    first, second = seeds("g")[:2]
    deduper = Deduper({})
    deduper.process(first.model_copy(update={"published": base_time - timedelta(days=10)}), now=base_time)
    out = deduper.process(second.model_copy(update={"published": base_time}), now=base_time)
    assert out.duplicate.status == "unique"
    assert deduper.stats()["docs"] == 2


def test_an_article_is_filed_under_a_short_handle() -> None:
    assert ref_of("short-id") == "short-id"
    long_ids = [f"reuters-00{i:03d}-{i * 2654435761 % 16**16:016x}" for i in range(2000)]
    refs = {ref_of(i) for i in long_ids}
    assert len(refs) == len(long_ids), "distinct ids, distinct handles"
    assert all(r.startswith("~") and len(r) == 12 for r in refs)
    assert ref_of(long_ids[0]) == ref_of(str(long_ids[0])), "stable"
