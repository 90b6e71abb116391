"""The index buckets (``mh:``, ``emb:``, ``ent:``) as a function of the stored article records.

Every bucket is a bounded ref list of the records listed under it, newest first, so it can be
recomputed from the ``doc:`` records alone. The streaming deduper does not log the buckets to its
changelog (about three in four of its writes) and rebuilds them after every restore instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from services.deduper import keys as k
from services.deduper import signature as sg

BUCKET_PREFIXES = ("mh:", "emb:", "ent:")


def is_bucket_key(key: str) -> bool:
    """True for an index bucket, bare (``mh:…``) or in a partition's slice (``p<n>/mh:…``)."""
    if key.startswith(BUCKET_PREFIXES):
        return True
    head, sep, rest = key.partition("/")
    return bool(sep) and head[:1] == "p" and head[1:].isdigit() and rest.startswith(BUCKET_PREFIXES)


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
) -> int:
    """Write every owned bucket from the store's records (replacing what was there); return buckets."""
    buckets: dict[str, list[k.Ref]] = {}
    for key in list(store):
        if not key.startswith("doc:"):
            continue
        doc = store[key]
        article_id = key[4:]
        for bucket in listed_under(doc, mh_bands, mh_rows, entity_keys, story=story_listed(doc)):
            if owned(bucket):
                buckets.setdefault(bucket, []).append([article_id, int(doc["t"])])
    for key in [key for key in store if is_bucket_key(key)]:
        del store[key]
    for bucket, refs in buckets.items():
        refs.sort(key=lambda r: (-r[1], r[0]))
        store[bucket] = refs[:max_refs]
    return len(buckets)
