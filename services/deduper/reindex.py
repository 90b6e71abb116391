"""The deduper state that is a function of the stored article records, and how to recompute it.

Derived from the ``doc:`` records and ``ix:`` stubs alone: the index buckets (``mh:``, ``emb:``, ``ent:``: the
newest ``max_refs`` records listed under each), the expiry slots of each event-time hour
(``exp:``), the event-time clock (the newest record's time: the newest is never evicted) and the
record count (``<meta>:clock``, ``<meta>:docs``). The streaming deduper does not log them to its
changelog (about three in four of its writes) and rebuilds them after every restore instead. Logged
are the records, the fingerprints, the eviction watermark and the eviction total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from services.deduper import keys as k
from services.deduper import signature as sg

BUCKET_PREFIXES = ("mh:", "emb:", "ent:")
DERIVED_META = ("clock", "docs")


def _bare(key: str) -> str:
    """The key inside a partition's slice (``p<n>/mh:…`` → ``mh:…``); other keys unchanged."""
    head, sep, rest = key.partition("/")
    if sep and head[:1] == "p" and head[1:].isdigit():
        return rest
    return key


def is_bucket_key(key: str) -> bool:
    """True for an index bucket, bare (``mh:…``) or in a partition's slice (``p<n>/mh:…``)."""
    return _bare(key).startswith(BUCKET_PREFIXES)


def derived_keys(meta_prefix: str = "meta") -> Callable[[str], bool]:
    """The predicate of the derived keys: buckets, expiry slots, the clock and the record count."""
    meta = tuple(f"{meta_prefix}:{name}" for name in DERIVED_META)

    def is_derived(key: str) -> bool:
        bare = _bare(key)
        return bare.startswith(BUCKET_PREFIXES) or bare.startswith("exp:") or bare in meta

    return is_derived


def listed_under(
    doc: Mapping[str, Any], mh_bands: int, mh_rows: int | None, entity_keys: int, *, story: bool
) -> list[str]:
    """The buckets a stored record is listed under: MinHash bands, and with ``story`` its story buckets."""
    keys: list[str] = []
    if doc.get("m"):
        keys += k.mh_keys(sg.band_hashes(sg.unpack_u32(doc["m"]), mh_bands, mh_rows))
    if story:
        keys += doc.get("h", [])
        day = int(doc.get("p", doc["t"])) // k.DAY
        keys += [k.ent_key(e, day) for e in doc.get("n", [])[:entity_keys]]
    return keys


def story_listed(doc: Mapping[str, Any]) -> bool:
    """Whether a record went into the story buckets (it opened a story when it was indexed)."""
    if "x" in doc:
        return bool(doc["x"])
    verdict = doc.get("v") or ["unique"]
    return bool(verdict[0] == "unique")  # records written before the mark


def rebuild(
    store: MutableMapping[str, Any],
    owned: Callable[[str], bool],
    *,
    mh_bands: int,
    mh_rows: int | None,
    entity_keys: int,
    max_refs: int,
    meta_prefix: str = "meta",
) -> int:
    """Write every derived key of a store that holds none (as a restore leaves it); return records.

    A stub (``ix:``, an article whose record another partition keeps) lists its buckets itself.
    """
    buckets: dict[str, list[k.Ref]] = {}
    hours: dict[int, list[str]] = {}
    clock: int | None = None
    records = 0
    for key in list(store):
        if key.startswith("doc:"):
            doc = store[key]
            listed = listed_under(doc, mh_bands, mh_rows, entity_keys, story=story_listed(doc))
            records += 1
        elif key.startswith("ix:"):
            doc = store[key]
            listed = [bucket for bucket in doc.get("b") or () if is_bucket_key(bucket)]
        else:
            continue
        article_id, when = key.partition(":")[2], int(doc["t"])
        clock = when if clock is None else max(clock, when)
        hours.setdefault(when // k.HOUR, []).append(article_id)
        for bucket in listed:
            if owned(bucket):
                buckets.setdefault(bucket, []).append([article_id, when])
    for bucket, refs in buckets.items():
        refs.sort(key=lambda r: (-r[1], r[0]))
        store[bucket] = refs[:max_refs]
    for hour, ids in hours.items():
        for slot, article_id in enumerate(sorted(ids)):
            store[k.exp_slot_key(hour, slot)] = article_id
        store[k.exp_count_key(hour)] = len(ids)
    if clock is not None:
        store[f"{meta_prefix}:clock"] = clock
    store[f"{meta_prefix}:docs"] = records
    return records
