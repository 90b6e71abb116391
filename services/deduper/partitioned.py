"""The deduper's index partitioned by key, so that several workers share one consistent index.

Every index key (``fp:``, ``mh:``, ``emb:``, ``ent:``) has one owner partition, ``crc32(key) % P``,
and so has every article's record: its home, ``crc32("doc:<id>") % P``, the one partition that
keeps it. An article is decided in four hops, each a pure method here (the faust agents only move
messages):

1. ``route``   (keyed by article): the owner partitions of its keys, and its home.
2. ``probe``   (on each of them): the candidates found in the buckets owned there (ids, shared
   buckets, newest), or a verdict that needs no record: an exact copy (the fingerprint's owner) or
   a redelivery (the home holds the article's own record).
3. ``verify``  (on each candidate's home, once the gather merged and ranked the candidates): the
   article judged against the candidates' records kept there.
4. ``combine`` (keyed by article): the best verdict wins; ``commit`` then stores the article on
   each partition: its record at home, a stub elsewhere (the buckets it is listed under).

Who is the original: the first article the deduper decided. Records are written by the commit
only, so every record is final; while two matching articles are both in flight, only the
earlier-ingested one may hold their text's fingerprint, so no two articles point at each other. In
a burst where both are in flight at once, both stay ``unique`` (the one case a single store would
catch). ``process`` runs the hops in one process (offline path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from services.core.models import EnrichedArticle, TaggedArticle
from services.deduper import keys as k
from services.deduper.hops import (
    Partial,
    arrival_order,
    combine,
    home,
    is_index_key,
    order_of,
    owner,
    settle,
    shortlist,
)
from services.deduper.logic import Deduper, DeduperConfig, Signature
from services.deduper.slices import PrefixedStore, derived_state, rebuild_slice
from services.deduper.verdict import Verdict, enrich

__all__ = [
    "Partial",
    "PartitionedDeduper",
    "PrefixedStore",
    "arrival_order",
    "combine",
    "derived_state",
    "home",
    "owner",
    "rebuild_slice",
    "settle",
    "shortlist",
]


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
        """Hop 1: the partitions to probe for an article."""
        return self.routes(self.signature(article))

    def routes(self, sig: Signature) -> list[int]:
        """The owner partitions of a signature's index keys, and the home of its record."""
        keys = [key for key in self.shard(0).keys_for(sig) if is_index_key(key)]
        return sorted({home(sig.ref, self.partitions), *(owner(key, self.partitions) for key in keys)})

    def _owned(self, partition: int, ref: str) -> Callable[[str], bool]:
        """The keys of an article this partition reads and writes: its own index keys, meta keys,
        and the article's record only at home."""
        at_home = home(ref, self.partitions) == partition
        doc = k.doc_key(ref)

        def owned(key: str) -> bool:
            if key == doc:
                return at_home
            return not is_index_key(key) or owner(key, self.partitions) == partition

        return owned

    def _values(self, partition: int, sig: Signature) -> dict[str, Any]:
        owned = self._owned(partition, sig.ref)
        shard = self.shard(partition)
        return _read(shard.store, [key for key in shard.keys_for(sig) if owned(key)])

    def probe(self, partition: int, article: TaggedArticle, sig: Signature | None = None) -> Partial:
        """Hop 2: this partition's candidates for the article (or the verdict that settles it)."""
        sig = sig or self.signature(article)  # the signature does not depend on the partition
        return self.probe_signature(partition, sig, arrival_order(article))

    def probe_signature(self, partition: int, sig: Signature, mine: tuple[int, str]) -> Partial:
        """``probe`` from the article's signature and arrival order (what a probe message carries)."""
        shard = self.shard(partition)
        values = self._values(partition, sig)
        again = shard.redelivered(sig, values)  # at home: the article was decided before
        if again is not None:
            return Partial(
                partition, again.status, again.of, again.similarity, again.story_id, redelivered=True
            )
        fp_key = k.fp_key(sig.fingerprint)
        if owner(fp_key, self.partitions) == partition:
            cutoff = shard.cutoff(sig, values)
            first = values.get(fp_key)
            if first is None or first["id"] != sig.article_id:  # else: it holds the fingerprint already
                if first is not None and first["t"] >= cutoff and first.get("k"):
                    return Partial(partition, "exact", first["id"], 1.0, first["s"])
                # A holder still in flight is not an original yet; the earlier-ingested copy of a
                # text holds its fingerprint meanwhile, so two copies in flight never point at each other.
                if first is None or first["t"] < cutoff or mine < order_of(first):
                    self._hold(partition, sig, mine, values)
        return Partial(partition, "unique", None, None, sig.article_id, tuple(shard.candidates(sig, values)))

    def _hold(self, partition: int, sig: Signature, mine: tuple[int, str], values: dict[str, Any]) -> None:
        """Take the fingerprint for an article in flight, with a stub that expires it if never committed."""
        fp_key = k.fp_key(sig.fingerprint)
        self.shard(partition).store[fp_key] = {
            "id": sig.article_id,
            "s": sig.article_id,
            "t": sig.event_time,
            "o": list(mine),
        }
        self._queue(partition, sig, k.stub_key(sig.ref), {"t": sig.event_time, "b": [fp_key]}, values)

    def verify(self, partition: int, sig: Signature, candidates: list[str]) -> Partial:
        """Hop 3, on the candidates' home: the article judged against the records kept here."""
        shard = self.shard(partition)
        clock = f"{self.config.meta_prefix}:clock"
        values = _read(shard.store, [clock])
        cutoff = shard.cutoff(sig, values)
        docs = []
        for cid in candidates:
            doc = shard.store.get(k.doc_key(cid))
            # only committed records (``k``) are originals; records of an older version may not be
            if cid != sig.ref and doc is not None and doc.get("k") and "m" in doc and doc["t"] >= cutoff:
                docs.append((cid, doc))
        v = shard.judge(sig, docs)
        return Partial(partition, v.status, v.of, v.similarity, v.story_id)

    def commit(self, partition: int, sig: Signature, verdict: Verdict) -> None:
        """Hop 4, later: store the decided article here (record at home, stub elsewhere), then expire."""
        shard = self.shard(partition)
        store = shard.store
        owned = self._owned(partition, sig.ref)
        values = self._values(partition, sig)
        if (values.get(k.doc_key(sig.ref)) or {}).get("k"):
            return  # committed before: the first commit stands (a stub's rewrite is idempotent)
        if not shard.expired(sig, values):
            fp_key = k.fp_key(sig.fingerprint)
            holds = owner(fp_key, self.partitions) == partition and verdict.status != "exact"
            if holds:
                self._finalise_fp(partition, sig, verdict, values)
            buckets = shard.listings(sig, verdict, values, keep=owned)
            store.update(buckets)
            at_home = home(sig.ref, self.partitions) == partition
            if at_home or buckets or holds:  # something is stored here: the clock is its newest time
                clock = f"{self.config.meta_prefix}:clock"
                store[clock] = max(int(values.get(clock) or 0), sig.event_time)
            if at_home:
                record = shard.record(sig, verdict)
                if "h" in record:  # this partition's story buckets only (the others list it themselves)
                    record["h"] = [key for key in record["h"] if owned(key)]
                self._queue(partition, sig, k.doc_key(sig.ref), {**record, "k": 1}, values)
            elif buckets or holds:
                stub = {"t": sig.event_time, "b": [*buckets, *([fp_key] if holds else [])]}
                self._queue(partition, sig, k.stub_key(sig.ref), stub, values)
        now = store.get(f"{self.config.meta_prefix}:clock")
        if now is not None:
            self.evictions += shard.expirer.expire_until(int(now) - self.config.window_days * k.DAY)

    def _queue(
        self, partition: int, sig: Signature, key: str, value: dict[str, Any], values: dict[str, Any]
    ) -> None:
        """Store an article's record or stub here, queued for expiry once (a record replaces the stub)."""
        shard = self.shard(partition)
        store = shard.store
        record = key.startswith("doc:")
        queued = store.pop(k.stub_key(sig.ref), None) if record else store.get(key)
        if queued is None:
            store.update(shard.expirer.enqueue(sig.ref, sig.event_time, values, record=record))
        elif record:  # queued by the fingerprint's hold: count the record now
            docs = f"{self.config.meta_prefix}:docs"
            store[docs] = int(store.get(docs) or 0) + 1
        store[key] = value

    def _finalise_fp(self, partition: int, sig: Signature, verdict: Verdict, values: dict[str, Any]) -> None:
        """The fingerprint's owner: the article's hold becomes final (an original from now on)."""
        store = self.shard(partition).store
        fp_key = k.fp_key(sig.fingerprint)
        first = store.get(fp_key)
        if (
            first is None
            or first["t"] < self.shard(partition).cutoff(sig, values)
            or first["id"] == sig.article_id
        ):
            # final: the arrival order that settled holders in flight is no longer needed
            store[fp_key] = {"id": sig.article_id, "s": verdict.story_id, "t": sig.event_time, "k": 1}

    def commit_legacy(self, partition: int, article_id: str, fingerprint: str, verdict: Verdict) -> None:
        """A commit of the three-hop version (no signature): finalise the records it wrote at its probe."""
        store = self.shard(partition).store
        fp_key = k.fp_key(fingerprint)
        first = store.get(fp_key) if owner(fp_key, self.partitions) == partition else None
        if first is not None and first["id"] == article_id:
            store[fp_key] = {**first, "s": verdict.story_id, "k": 1}
        doc = store.get(k.doc_key(article_id))
        if doc is not None:
            canonical = verdict.of if verdict.status in ("near", "exact") and verdict.of else article_id
            v = [verdict.status, verdict.of, verdict.similarity]
            store[k.doc_key(article_id)] = {**doc, "s": verdict.story_id, "v": v, "c": canonical, "k": 1}

    def decide(self, sig: Signature, found: list[Partial]) -> Verdict:
        """Hops 3 and 4 in one process: settle, or verify the shortlist on its homes and combine."""
        verdict = settle(sig.article_id, found)
        if verdict is not None:
            return verdict
        plan = shortlist(found, self.config.max_candidates, self.partitions)
        return combine(sig.article_id, [self.verify(h, sig, ids) for h, ids in plan.items()])

    def new_evictions(self) -> int:
        """Evictions since the previous call (for a counter metric)."""
        fresh = self.evictions - self._evictions_reported
        self._evictions_reported = self.evictions
        return fresh

    def entries(self) -> int:
        """Stored article records over the partitions this instance has touched."""
        return sum(shard.expirer.docs() for shard in self._shards.values())

    def process(self, article: TaggedArticle, *, now: datetime) -> EnrichedArticle:
        """All hops in one process: the offline path and the unit tests."""
        sig = self.signature(article)
        mine = arrival_order(article)
        parts = self.routes(sig)
        verdict = self.decide(sig, [self.probe_signature(n, sig, mine) for n in parts])
        if not verdict.redelivered:
            for n in parts:
                self.commit(n, sig, verdict)
        return enrich(article, verdict, sig.fingerprint, now)


def _read(store: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in keys:
        value = store.get(key)
        if value is not None:
            values[key] = value
    return values
