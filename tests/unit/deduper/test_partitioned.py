"""The key-partitioned deduper: the same verdicts whatever the partition count and arrival order."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.core.models import TaggedArticle
from services.deduper import keys as k
from services.deduper.partitioned import Partial, PartitionedDeduper, PrefixedStore, combine, home, owner
from tests.unit.deduper.conftest import make_article

Seeds = Callable[[str], list[TaggedArticle]]


@pytest.mark.parametrize("partitions", [1, 4, 7])
@pytest.mark.parametrize(
    "prefix", ["a", "wire-feed-2026-a"]
)  # a short id is its own handle, a long one hashed
def test_seeds_one_story_and_replay_exact(
    partitions: int, prefix: str, seeds: Seeds, base_time: datetime
) -> None:
    deduper = PartitionedDeduper({}, partitions)
    first = {a.article_id: deduper.process(a, now=base_time) for a in seeds(prefix)}
    assert first[f"{prefix}-001"].duplicate.status == "same_story"
    assert first[f"{prefix}-001"].story_id == first[f"{prefix}-000"].story_id == f"{prefix}-000"
    statuses = [first[f"{prefix}-00{i}"].duplicate.status for i in (0, 2, 3, 4)]
    assert statuses == ["unique"] * 4
    later = base_time + timedelta(hours=2)
    again = [deduper.process(a, now=later) for a in seeds(f"{prefix}b")]
    assert [e.duplicate.status for e in again] == ["exact"] * 5
    assert [e.duplicate.of for e in again] == [f"{prefix}-00{i}" for i in range(5)]
    assert again[1].story_id == f"{prefix}-000", "an exact copy inherits the original's story"
    replayed = [deduper.process(a, now=later) for a in seeds(prefix)]
    assert [e.duplicate for e in replayed] == [first[e.article_id].duplicate for e in replayed], "redelivery"


def test_a_record_is_kept_once_at_home_and_buckets_list_short_handles(
    seeds: Seeds, base_time: datetime
) -> None:
    store: dict[str, Any] = {}
    deduper = PartitionedDeduper(store, 4)
    articles = seeds("wire-feed-2026-12-04-reuters")
    for article in articles:
        deduper.process(article, now=base_time)
    for article in articles:
        ref = k.ref_of(article.article_id)
        assert ref != article.article_id and len(ref) == 12
        records = [key for key in store if key.endswith(f"/doc:{ref}")]
        assert records == [f"p{home(ref, 4)}/doc:{ref}"], "one record, on the article's home partition"
        assert store[records[0]]["i"] == article.article_id
        stubs = {int(key[1]) for key in store if key.endswith(f"/ix:{ref}")}
        assert stubs == set(deduper.route(article)) - {home(ref, 4)}, "a stub wherever it is listed"
    listed = [ref for key, refs in store.items() if "/mh:" in key or "/emb:" in key for ref, _ in refs]
    assert listed and all(ref.startswith("~") for ref in listed), "buckets hold handles, not ids"


def test_articles_use_several_owner_partitions(seeds: Seeds) -> None:
    deduper = PartitionedDeduper({}, 4)
    routes = [deduper.route(a) for a in seeds("r")]
    assert all(len(r) > 1 for r in routes), "index keys spread over the partitions"
    assert all(set(r) <= {0, 1, 2, 3} for r in routes)


def test_state_is_split_by_partition(seeds: Seeds, base_time: datetime) -> None:
    store: dict[str, Any] = {}
    deduper = PartitionedDeduper(store, 4)
    for article in seeds("s"):
        deduper.process(article, now=base_time)
    index_keys = [key for key in store if key.split("/", 1)[1].startswith(("fp:", "mh:", "emb:"))]
    assert index_keys
    for key in index_keys:
        prefix, inner = key.split("/", 1)
        assert prefix == f"p{owner(inner, 4)}", "an index key lives only on its owner partition"


def test_near_duplicates_found_across_partitions(seed_texts: list[str], base_time: datetime) -> None:
    deduper = PartitionedDeduper({}, 4)
    original = seed_texts[3]
    deduper.process(make_article("orig", original, base_time), now=base_time)
    update = original + "\n\nUpdate: the ministry later confirmed the visit dates."
    out = deduper.process(make_article("upd", update, base_time + timedelta(seconds=5)), now=base_time)
    assert (out.duplicate.status, out.duplicate.of) == ("near", "orig")


def test_first_decided_article_is_the_original(seed_texts: list[str], base_time: datetime) -> None:
    """A later-ingested copy decided first (its verdict final) is the original: first seen wins."""
    early = make_article("early", seed_texts[0] + "\n\nFooter A.", base_time)
    late = make_article("late", seed_texts[0] + "\n\nFooter B.", base_time + timedelta(seconds=30))
    deduper = PartitionedDeduper({}, 4)
    assert deduper.process(late, now=base_time).duplicate.status == "unique"
    assert deduper.process(early, now=base_time).duplicate.of == "late"


def test_two_in_flight_matches_never_point_at_each_other(seed_texts: list[str], base_time: datetime) -> None:
    """Both probed before either verdict is final: only the earlier-ingested may be the original."""
    early = make_article("early", seed_texts[0] + "\n\nFooter A.", base_time)
    late = make_article("late", seed_texts[0] + "\n\nFooter B.", base_time + timedelta(seconds=30))
    deduper = PartitionedDeduper({}, 4)
    parts = deduper.route(early)
    assert parts == deduper.route(late) or set(parts) & set(deduper.route(late))
    late_partials = [deduper.probe(n, late) for n in deduper.route(late)]
    early_partials = [deduper.probe(n, early) for n in parts]
    late_verdict = combine("late", late_partials)
    early_verdict = combine("early", early_partials)
    assert early_verdict.of != "late"
    assert not (late_verdict.of == "early" and early_verdict.of == "late")


def test_redelivery_gives_the_same_verdict(seeds: Seeds, base_time: datetime) -> None:
    deduper = PartitionedDeduper({}, 4)
    first = [deduper.process(a, now=base_time) for a in seeds("d")]
    again = [deduper.process(a, now=base_time) for a in seeds("d")]
    assert [e.duplicate for e in again] == [e.duplicate for e in first]
    assert all(e.duplicate.of != e.article_id for e in again)


def test_shuffled_stream_gives_same_verdicts_for_1_and_4_partitions(
    seeds: Seeds, base_time: datetime
) -> None:
    articles = [*seeds("x"), *seeds("y")]
    articles = [
        a.model_copy(
            update={
                "timestamps": a.timestamps.model_copy(update={"ingested": base_time + timedelta(seconds=i)})
            }
        )
        for i, a in enumerate(articles)
    ]
    random.Random(1).shuffle(articles)  # arrival order differs from ingestion order
    one = PartitionedDeduper({}, 1)
    four = PartitionedDeduper({}, 4)
    verdicts_one = [one.process(a, now=base_time).duplicate for a in articles]
    verdicts_four = [four.process(a, now=base_time).duplicate for a in articles]
    assert verdicts_one == verdicts_four
    assert sum(v.status == "exact" for v in verdicts_one) >= 4


def test_combine_prefers_exact_then_similarity() -> None:
    partials = [
        Partial(0, "unique", None, None, "a"),
        Partial(1, "same_story", "s", 0.9, "s"),
        Partial(2, "near", "n", 0.6, "n"),
    ]
    assert combine("a", partials).status == "near"
    assert combine("a", [*partials, Partial(3, "exact", "e", 1.0, "e")]).of == "e"
    assert combine("a", [Partial(0, "unique", None, None, "zzz")]).story_id == "a"


def test_prefixed_store_isolates_slices() -> None:
    base: dict[str, Any] = {}
    a, b = PrefixedStore(base, 0), PrefixedStore(base, 1)
    a["k"] = 1
    assert "k" not in b and a["k"] == 1 and base == {"p0/k": 1}
    assert list(a) == ["k"] and len(b) == 0
    del a["k"]
    assert base == {}
