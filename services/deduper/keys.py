"""Key layout of the deduper's state: every read and write is a lookup by one of these keys.

- ``doc:<article_id>``         → the stored record of one article (verdict, signatures, entities, time)
- ``ix:<article_id>``          → stub where the record is not kept: ``{t, b: the buckets it is listed under}``
- ``fp:<sha256>``              → first article seen with that normalised text
- ``mh:<band>:<hash>``         → bounded list of ``[article_id, epoch_s]`` refs (MinHash LSH band)
- ``emb:<dim>:<band>:<code>``  → bounded refs (random-hyperplane LSH band of the embedding)
- ``ent:<entity_id>:<day>``    → bounded refs of articles of that day mentioning the entity
- ``exp:<hour>:n`` / ``exp:<hour>:s<n>`` → slots of that event-time hour / the article id in slot n
- ``<meta>:clock`` / ``<meta>:evicted`` / ``<meta>:docs`` → event-time clock, expiry watermark, count
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DAY = 86_400
HOUR = 3_600

Ref = list[Any]  # [article_id: str, epoch_seconds: int]
Candidate = list[Any]  # [article_id: str, buckets shared: int, newest epoch_seconds: int]


def doc_key(article_id: str) -> str:
    """Key of an article's record."""
    return f"doc:{article_id}"


def stub_key(article_id: str) -> str:
    """Key of an article's stub on a partition that indexes it but does not hold its record."""
    return f"ix:{article_id}"


def fp_key(fingerprint: str) -> str:
    """Key of the first article with this fingerprint."""
    return f"fp:{fingerprint}"


def mh_keys(bands: Iterable[str]) -> list[str]:
    """Keys of the MinHash LSH bands."""
    return [f"mh:{i}:{h}" for i, h in enumerate(bands)]


def emb_keys(dim: int, codes: Iterable[str]) -> list[str]:
    """Keys of the embedding LSH bands."""
    return [f"emb:{dim}:{i}:{c}" for i, c in enumerate(codes)]


def ent_key(entity_id: str, day: int) -> str:
    """Key of the articles of one day (days since the epoch) mentioning one entity."""
    return f"ent:{entity_id}:{day}"


def exp_count_key(hour: int) -> str:
    """Key of the number of expiry slots taken in one event-time hour (hours since the epoch)."""
    return f"exp:{hour}:n"


def exp_slot_key(hour: int, slot: int) -> str:
    """Key of one expiry slot of an hour: the id of the article stored in it."""
    return f"exp:{hour}:s{slot}"


def add_ref(refs: Any, article_id: str, when: int, cutoff: float, limit: int) -> list[Ref]:
    """A new bounded ref list: this ref added, expired refs dropped, newest ``limit`` kept."""
    kept = [r for r in (refs or []) if r[0] != article_id and r[1] >= cutoff]
    kept.append([article_id, when])
    kept.sort(key=lambda r: (-r[1], r[0]))
    return kept[:limit]


def drop_ref(refs: Any, article_id: str) -> list[Ref]:
    """The ref list without this article."""
    return [r for r in (refs or []) if r[0] != article_id]


def rank(candidates: Iterable[Candidate], limit: int) -> list[Candidate]:
    """The ``limit`` best candidates: most shared buckets, then newest, then id."""
    return sorted(candidates, key=lambda c: (-c[1], -c[2], c[0]))[:limit]
