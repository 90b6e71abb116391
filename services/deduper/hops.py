"""What the deduper's hops exchange: who owns a key, each partition's answer, and how they combine.

Pure functions over plain values, shared by ``PartitionedDeduper`` (offline, one process) and the
streaming gather (``stage.py``), so both decide alike.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.core.models import DuplicateStatus, TaggedArticle
from services.deduper import keys as k
from services.deduper.verdict import Verdict

INDEX_PREFIXES = ("fp:", "mh:", "emb:", "ent:")
RANK: dict[str, int] = {"unique": 0, "same_story": 1, "near": 2, "exact": 3}


def owner(key: str, partitions: int) -> int:
    """The partition that owns an index key."""
    return zlib.crc32(key.encode()) % partitions


def home(ref: str, partitions: int) -> int:
    """The partition that keeps the record of an article (by its handle, ``keys.ref_of``)."""
    return owner(k.doc_key(ref), partitions)


def is_index_key(key: str) -> bool:
    """True for keys that are partitioned by owner (the others live on every partition)."""
    return key.startswith(INDEX_PREFIXES)


@dataclass(frozen=True)
class Partial:
    """One partition's answer: a probe's candidates (or settled verdict), or a verification's verdict."""

    partition: int
    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str
    candidates: tuple[k.Candidate, ...] = ()
    redelivered: bool = False

    def to_json(self) -> list[Any]:
        """Compact JSON form."""
        head = [self.partition, self.status, self.of, self.similarity, self.story_id]
        return [*head, [list(c) for c in self.candidates], self.redelivered]

    @classmethod
    def from_json(cls, data: list[Any]) -> Partial:
        """Inverse of ``to_json`` (the first five fields alone: a partial verdict of an older version)."""
        candidates = tuple(list(c) for c in data[5]) if len(data) > 5 else ()
        redelivered = bool(data[6]) if len(data) > 6 else False
        return cls(int(data[0]), data[1], data[2], data[3], str(data[4]), candidates, redelivered)


def combine(article_id: str, partials: list[Partial]) -> Verdict:
    """The final verdict: exact beats near beats same story beats unique; then the highest similarity."""
    if not partials:
        return Verdict("unique", None, None, article_id)
    best = max(partials, key=lambda p: (RANK[p.status], p.similarity or 0.0, -p.partition))
    if best.status == "unique":
        return Verdict("unique", None, None, article_id)
    return Verdict(best.status, best.of, best.similarity, best.story_id)


def settle(article_id: str, found: list[Partial]) -> Verdict | None:
    """The verdict the probes settle alone, or None when candidates remain to be verified.

    Settled: a redelivery (the home's record of the article), an exact copy (the fingerprint's
    owner), partial verdicts of an older version, or no candidate at all (unique).
    """
    for p in found:
        if p.redelivered:
            return Verdict(p.status, p.of, p.similarity, p.story_id, redelivered=True)
    if any(p.status != "unique" for p in found) or not any(p.candidates for p in found):
        return combine(article_id, found)
    return None


def shortlist(found: list[Partial], limit: int, partitions: int) -> dict[int, list[str]]:
    """The best ``limit`` candidates over all probes (shared buckets summed), grouped by their home."""
    merged: dict[str, k.Candidate] = {}
    for p in found:
        for cid, hits, newest in p.candidates:
            c = merged.setdefault(cid, [cid, 0, 0])
            c[1] += int(hits)
            c[2] = max(c[2], int(newest))
    plan: dict[int, list[str]] = {}
    for cid, _, _ in k.rank(merged.values(), limit):
        plan.setdefault(home(cid, partitions), []).append(cid)
    return dict(sorted(plan.items()))


def arrival_order(article: TaggedArticle) -> tuple[int, str]:
    """Who came first: ingestion time in microseconds, then the id (split parts share one time)."""
    return int(article.timestamps.ingested.timestamp() * 1_000_000), article.article_id


def order_of(record: Mapping[str, Any]) -> tuple[int, str]:
    """The order stored in a fingerprint record (older records: their event time)."""
    stored = record.get("o")
    if isinstance(stored, list) and len(stored) == 2:
        return int(stored[0]), str(stored[1])
    return int(record["t"]) * 1_000_000, str(record["id"])
