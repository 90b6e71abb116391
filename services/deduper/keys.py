"""Key layout of the deduper's state: every read and write is a lookup by one of these keys.

- ``doc:<ref>``                → the stored record of one article (``ref_of``: the id, or its hash)
- ``ix:<ref>``                 → stub where the record is not kept: ``{t, b: the buckets it is listed under}``
- ``fp:<sha256 prefix>``       → first article seen with that normalised text
- ``mh:<band>:<hash>``         → bounded list of ``[ref, epoch_s]`` (MinHash LSH band)
- ``emb:<dim>:<band>:<code>``  → bounded refs (random-hyperplane LSH band of the embedding)
- ``ent:<entity_id>:<day>``    → bounded refs of articles of that day mentioning the entity
- ``exp:<hour>:n`` / ``exp:<hour>:s<n>`` → slots of that event-time hour / the article id in slot n
- ``<meta>:clock`` / ``<meta>:evicted`` / ``<meta>:docs`` → event-time clock, expiry watermark, count
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any

DAY = 86_400
HOUR = 3_600

Ref = list[Any]  # [ref_of(article_id): str, epoch_seconds: int]
Candidate = list[Any]  # [ref: str, buckets shared: int, newest epoch_seconds: int]


VERBATIM_REF = 12


def ref_of(article_id: str) -> str:
    """The handle an article is filed under: its id when short, else ``~`` and 64 bits of its hash.

    Every bucket lists its articles by handle, so the state per article does not grow with the
    length of ids (the ingest's are about 30 characters). Ids never contain ``~``.
    """
    if len(article_id) <= VERBATIM_REF:
        return article_id
    digest = hashlib.blake2b(article_id.encode(), digest_size=8).digest()
    return "~" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def doc_key(ref: str) -> str:
    """Key of an article's record (by its handle, ``ref_of``)."""
    return f"doc:{ref}"


def stub_key(ref: str) -> str:
    """Key of an article's stub (by handle) on a partition that lists it but does not keep its record."""
    return f"ix:{ref}"


FP_KEY_HEX = 32


def fp_key(fingerprint: str) -> str:
    """Key of the first article with this fingerprint (its first 128 bits: no collision in any window)."""
    return f"fp:{fingerprint[:FP_KEY_HEX]}"


def same_text(stored: str | None, fingerprint: str) -> bool:
    """Whether a record's fingerprint (stored as its key part, or whole by an older version) is this one."""
    return bool(stored) and fingerprint[:FP_KEY_HEX] == str(stored)[:FP_KEY_HEX]


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
