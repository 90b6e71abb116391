"""The deduper's index partitioned by key, so that several workers share one consistent index.

Every index key (``fp:``, ``mh:``, ``emb:``, ``ent:``) has one owner partition: ``crc32(key) % P``.
An article is decided in three hops, each a pure method here (the faust agents only move messages):

1. ``route``  (keyed by article): which owner partitions hold the article's keys.
2. ``probe``  (on each owner partition): a ``Deduper`` over that partition's slice of the state
   reads the owned keys, decides a partial verdict from the candidates found there (their records
   are stored on every partition that owns one of their keys, so verification stays local) and
   writes the owned keys.
3. ``combine`` (keyed by article): the best partial verdict wins; ``commit`` then tells the owner
   partitions the final verdict, so later articles inherit the right ``story_id``.

Who is the original: the first article the deduper decided. While two matching articles are both
in flight, only the earlier-ingested one may be the original, so no two articles point at each
other; in a burst where both are in flight at once and the later one is judged first everywhere,
both stay ``unique`` (the one case a single-partition index would catch).

Two near-duplicates on different input partitions meet on the partitions that own their shared
keys, whatever worker reads them. ``process`` runs the three hops in one process (offline path).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core.models import DuplicateStatus, EnrichedArticle, TaggedArticle
from services.core.state import Derived
from services.deduper import keys as k
from services.deduper import reindex
from services.deduper.logic import Deduper, DeduperConfig, Signature
from services.deduper.verdict import Verdict, enrich

INDEX_PREFIXES = ("fp:", "mh:", "emb:", "ent:")
RANK: dict[str, int] = {"unique": 0, "same_story": 1, "near": 2, "exact": 3}


def owner(key: str, partitions: int) -> int:
    """The partition that owns an index key."""
    return zlib.crc32(key.encode()) % partitions


def is_index_key(key: str) -> bool:
    """True for keys that are partitioned by owner (the others live on every partition)."""
    return key.startswith(INDEX_PREFIXES)


class PrefixedStore(MutableMapping[str, Any]):
    """A view of one partition's slice of a shared store: every key is prefixed with ``p<n>/``."""

    def __init__(self, base: MutableMapping[str, Any], partition: int) -> None:
        self.base = base
        self.prefix = f"p{partition}/"

    def __getitem__(self, key: str) -> Any:
        return self.base[self.prefix + key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.base[self.prefix + key] = value

    def __delitem__(self, key: str) -> None:
        del self.base[self.prefix + key]

    def __iter__(self) -> Iterator[str]:
        return (key[len(self.prefix) :] for key in list(self.base) if key.startswith(self.prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class Partial:
    """One owner partition's verdict for an article."""

    partition: int
    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str

    def to_json(self) -> list[Any]:
        """Compact JSON form."""
        return [self.partition, self.status, self.of, self.similarity, self.story_id]

    @classmethod
    def from_json(cls, data: list[Any]) -> Partial:
        """Inverse of ``to_json``."""
        return cls(int(data[0]), data[1], data[2], data[3], str(data[4]))


def combine(article_id: str, partials: list[Partial]) -> Verdict:
    """The final verdict: exact beats near beats same story beats unique; then the highest similarity."""
    if not partials:
        return Verdict("unique", None, None, article_id)
    best = max(partials, key=lambda p: (RANK[p.status], p.similarity or 0.0, -p.partition))
    if best.status == "unique":
        return Verdict("unique", None, None, article_id)
    return Verdict(best.status, best.of, best.similarity, best.story_id)


class PartitionedDeduper:
    """Exact / near / same-story dedupe over a state split into ``partitions`` owner slices."""

    def __init__(
        self,
        store: MutableMapping[str, Any],
        partitions: int,
        config: DeduperConfig | None = None,
        *,
        embed: Callable[[str], list[float]] | None = None,
    ) -> None:
        self.store = store
        self.partitions = partitions
        self.config = config or DeduperConfig()
        self.embed = embed
        self._shards: dict[int, Deduper] = {}
        self.evictions = 0
        self._evictions_reported = 0

    def shard(self, partition: int) -> Deduper:
        """The ``Deduper`` of one partition's slice of the state."""
        shard = self._shards.get(partition)
        if shard is None:
            view = PrefixedStore(self.store, partition)
            shard = self._shards[partition] = Deduper(view, self.config, embed=self.embed)
        return shard

    def signature(self, article: TaggedArticle) -> Signature:
        """The article's signature (independent of the state)."""
        return self.shard(0).signature(article)

    def route(self, article: TaggedArticle) -> list[int]:
        """Hop 1: the owner partitions of the article's index keys."""
        return self.routes(self.signature(article))

    def routes(self, sig: Signature) -> list[int]:
        """The owner partitions of a signature's index keys."""
        keys = [key for key in self.shard(0).keys_for(sig) if is_index_key(key)]
        return sorted({owner(key, self.partitions) for key in keys})

    def _owned(self, partition: int) -> Callable[[str], bool]:
        return lambda key: not is_index_key(key) or owner(key, self.partitions) == partition

    def probe(self, partition: int, article: TaggedArticle, sig: Signature | None = None) -> Partial:
        """Hop 2: decide on this partition's candidates, then index the article's owned keys."""
        sig = sig or self.signature(article)  # the signature does not depend on the partition
        return self.probe_signature(partition, sig, arrival_order(article))

    def probe_signature(self, partition: int, sig: Signature, mine: tuple[int, str]) -> Partial:
        """``probe`` from the article's signature and arrival order (what a probe message carries)."""
        shard = self.shard(partition)
        owned = self._owned(partition)
        values = _read(shard.store, [key for key in shard.keys_for(sig) if owned(key)])
        values.update(_read(shard.store, shard.doc_keys(sig, values)))
        # Only final records (the gather committed their verdict) may be an original: a record
        # still in flight may be judging this article right now elsewhere, or end up a duplicate
        # itself, so pointing at it could make a pair or leak a provisional story. Two matching
        # articles both in flight therefore both stay unique (consistent, never contradictory).
        for key in [key for key in values if key.startswith("doc:") and key[4:] != sig.article_id]:
            if not values[key].get("k"):
                del values[key]
        fp_key = k.fp_key(sig.fingerprint)
        keep_fp = False
        first = values.get(fp_key)
        if first is not None and first["id"] != sig.article_id and not first.get("k"):
            del values[fp_key]  # its holder is in flight: not an original yet
            # the earlier-ingested article of a text holds its fingerprint; a later one yields it
            keep_fp = _order_of(first) < mine
        verdict = shard.decide(sig, values)
        for key, value in shard.updates(sig, verdict, values).items():
            if not owned(key) or (key == fp_key and keep_fp):
                continue
            if key in (k.doc_key(sig.article_id), fp_key) and value is not None:
                value = {**value, "o": list(mine)}
            if value is None:
                shard.store.pop(key, None)
            else:
                shard.store[key] = value
        clock = shard.store.get(f"{self.config.meta_prefix}:clock")
        if clock is not None:
            self.evictions += shard.expirer.expire_until(int(clock) - self.config.window_days * k.DAY)
        return Partial(partition, verdict.status, verdict.of, verdict.similarity, verdict.story_id)

    def commit(self, partition: int, article_id: str, fingerprint: str, verdict: Verdict) -> None:
        """Hop 2, later: record the final verdict in this partition's records of the article."""
        store = self.shard(partition).store
        fp_key = k.fp_key(fingerprint)
        first = store.get(fp_key) if owner(fp_key, self.partitions) == partition else None
        if (
            first is not None
            and first["id"] == article_id
            and (first["s"] != verdict.story_id or not first.get("k"))
        ):
            store[fp_key] = {**first, "s": verdict.story_id, "k": 1}  # final: an original from now on
        doc = store.get(k.doc_key(article_id))
        if doc is None:
            return
        canonical = verdict.of if verdict.status in ("near", "exact") and verdict.of else article_id
        store[k.doc_key(article_id)] = {
            **doc,
            "s": verdict.story_id,
            "v": [verdict.status, verdict.of, verdict.similarity],
            "c": canonical,
            "k": 1,  # final: later articles may point to it whatever the ingestion order
        }

    def new_evictions(self) -> int:
        """Evictions since the previous call (for a counter metric)."""
        fresh = self.evictions - self._evictions_reported
        self._evictions_reported = self.evictions
        return fresh

    def entries(self) -> int:
        """Stored article records over the partitions this instance has touched."""
        return sum(shard.expirer.docs() for shard in self._shards.values())

    def process(self, article: TaggedArticle, *, now: datetime) -> EnrichedArticle:
        """All three hops in one process: the offline path and the unit tests."""
        sig = self.signature(article)
        partials = [self.probe(n, article, sig) for n in self.routes(sig)]
        verdict = combine(article.article_id, partials)
        fingerprint = sig.fingerprint
        for partial in partials:
            self.commit(partial.partition, article.article_id, fingerprint, verdict)
        return enrich(article, verdict, fingerprint, now)


def rebuild_slice(
    store: MutableMapping[str, Any], partition: int, partitions: int, config: DeduperConfig
) -> int:
    """Recompute one partition's derived state (``reindex``) from its article records (after a restore)."""
    return reindex.rebuild(
        PrefixedStore(store, partition),
        lambda key: owner(key, partitions) == partition,
        mh_bands=config.mh_bands,
        mh_rows=config.mh_rows,
        entity_keys=config.entity_keys,
        max_refs=config.max_refs,
        meta_prefix=config.meta_prefix,
    )


def derived_state(partitions: int, config: DeduperConfig) -> Derived:
    """The index table's derived keys (``reindex``): never logged, rebuilt per task after a restore."""
    return Derived(
        reindex.derived_keys(config.meta_prefix),
        lambda task, store: rebuild_slice(store, task, partitions, config),
    )


def arrival_order(article: TaggedArticle) -> tuple[int, str]:
    """Who came first: ingestion time in microseconds, then the id (split parts share one time)."""
    return int(article.timestamps.ingested.timestamp() * 1_000_000), article.article_id


def _order_of(record: Mapping[str, Any]) -> tuple[int, str]:
    """The order stored in a fingerprint record (older records: their event time)."""
    stored = record.get("o")
    if isinstance(stored, list) and len(stored) == 2:
        return int(stored[0]), str(stored[1])
    return int(record["t"]) * 1_000_000, str(record["id"])


def _read(store: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in keys:
        value = store.get(key)
        if value is not None:
            values[key] = value
    return values
