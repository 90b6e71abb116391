"""The index buckets are a function of the stored records: rebuilt, they equal the ones kept live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from services.core.models import Entity, TaggedArticle
from services.deduper.logic import DeduperConfig
from services.deduper.partitioned import PartitionedDeduper, rebuild_slice
from services.deduper.reindex import derived_keys, is_bucket_key
from services.loadtest.cli import load_corpus
from services.loadtest.generator import VariantGenerator
from tests.conftest import SEEDS
from tests.unit.deduper.conftest import make_article

T0 = datetime(2026, 3, 1, tzinfo=UTC)
P = 4
# small bounds, so that lists overflow and hours leave the window during the stream
CONFIG = DeduperConfig(window_days=1.0, max_refs=4)


def _stream(count: int, seed: int) -> list[TaggedArticle]:
    """Generated texts (exact, near and same-story copies) with clustered embeddings and entities."""
    gen = VariantGenerator(load_corpus([SEEDS]), seed=seed, dup_ratio=0.4, exact_share=0.3, story_share=0.3)
    rng = np.random.default_rng(seed)
    bases = rng.normal(size=(5, 384))
    out = []
    for i, variant in enumerate(gen.take(count)):
        vector = bases[i % 5] + rng.normal(scale=0.03, size=384)
        names = rng.choice(8, size=3, replace=False)
        entities = [Entity(id=f"Q{100 + j}", name=f"Person {j}", type="person") for j in names]
        at = T0 + timedelta(minutes=40 * i)  # 36 per day: a one-day window evicts as it goes
        article_id = f"wire-{i:04d}-{i * 7919:08x}"  # shaped like the ingest's: filed under a hash
        out.append(make_article(article_id, variant.text, at, entities=entities, embedding=vector.tolist()))
    return out


def _derived(store: dict[str, Any], partition: int) -> dict[str, Any]:
    """A partition's derived state as a probe uses it: bucket refs inside the window (a live list
    drops older ones only when written), the ids queued per hour (slot numbers may differ), clock
    and record count."""
    prefix = f"p{partition}/"
    cutoff = int(store.get(f"{prefix}meta:clock", 0)) - CONFIG.window_days * 86_400
    buckets = {
        key: [ref for ref in refs if ref[1] >= cutoff]
        for key, refs in store.items()
        if key.startswith(prefix) and is_bucket_key(key)
    }
    hours: dict[int, set[str]] = {}
    for key, value in store.items():
        if key.startswith(f"{prefix}exp:") and ":s" in key:
            hours.setdefault(int(key.split(":")[1]), set()).add(value)
    counts = {
        int(key.split(":")[1]): v
        for key, v in store.items()
        if key.startswith(f"{prefix}exp:") and key.endswith(":n")
    }
    return {
        "buckets": {key: refs for key, refs in buckets.items() if refs},
        "hours": hours,
        "counts": {hour: n for hour, n in counts.items() if n},
        "clock": store.get(f"{prefix}meta:clock"),
        "docs": store.get(f"{prefix}meta:docs"),
    }


def _rebuilt(store: dict[str, Any]) -> dict[str, Any]:
    """A copy of the store as a restore leaves it: derived keys dropped, then recomputed per partition."""
    is_derived = derived_keys(CONFIG.meta_prefix)
    copy = {key: value for key, value in store.items() if not is_derived(key)}
    for partition in range(P):
        rebuild_slice(copy, partition, P, CONFIG)
    return copy


def test_bucket_keys_are_recognised_bare_and_in_a_slice() -> None:
    assert is_bucket_key("mh:3:abc") and is_bucket_key("p2/emb:384:1:0101") and is_bucket_key("p0/ent:Q1:9")
    assert not is_bucket_key("p1/doc:mh:x") and not is_bucket_key("fp:abc") and not is_bucket_key("px/mh:1")
    assert not is_bucket_key("p1/meta:clock")
    is_derived = derived_keys("meta")
    assert is_derived("p1/meta:clock") and is_derived("p1/meta:docs") and is_derived("p3/exp:480000:s7")
    assert (
        not is_derived("p1/meta:evicted")
        and not is_derived("p1/meta:evictions")
        and not is_derived("p0/fp:ab")
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_rebuilt_buckets_equal_the_live_ones(seed: int) -> None:
    store: dict[str, Any] = {}
    deduper = PartitionedDeduper(store, P, CONFIG)
    statuses = set()
    for i, article in enumerate(_stream(240, seed)):
        statuses.add(deduper.process(article, now=T0).duplicate.status)
        if i % 40 == 39:
            rebuilt = _rebuilt(store)
            for partition in range(P):
                assert _derived(rebuilt, partition) == _derived(store, partition)
    assert deduper.evictions > 0 and {"exact", "near", "unique"} <= statuses
    assert any(len(refs) == CONFIG.max_refs for key, refs in store.items() if is_bucket_key(key))
    assert any("/emb:" in key for key in store) and any("/ent:" in key for key in store)
    assert any("/ix:~" in key for key in store), "stubs of records kept on another partition"


def test_a_restored_deduper_decides_like_one_that_never_stopped() -> None:
    stream = _stream(200, 3)
    live: dict[str, Any] = {}
    running = PartitionedDeduper(live, P, CONFIG)
    first = [running.process(a, now=T0) for a in stream[:100]]
    restarted = PartitionedDeduper(_rebuilt(live), P, CONFIG)
    again = [restarted.process(a, now=T0).duplicate for a in stream[100:]]
    assert [running.process(a, now=T0).duplicate for a in stream[100:]] == again
    assert {e.duplicate.status for e in first} | {d.status for d in again} >= {"exact", "near", "unique"}
