"""Window expiry by event time: hourly expiry slots and a watermark (no scans of the state).

Each stored article takes the next numbered slot of its event-time hour (``exp:<hour>:s<n>`` →
its id; ``exp:<hour>:n`` → how many slots the hour has). Queueing writes one small key and one
counter, whatever the hourly rate (a list per hour rewritten per article grew with its square).
Hours queued by an older version (``exp:<hour>:<shard>`` lists) are still evicted.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from services.deduper import keys as k
from services.deduper.reindex import listed_under


class Expirer:
    """Queues stored articles by event-time hour and evicts whole hours once they leave the window."""

    def __init__(
        self,
        store: MutableMapping[str, Any],
        meta_prefix: str,
        shards: int,
        mh_bands: int,
        entity_keys: int,
        *,
        mh_rows: int | None = None,
    ) -> None:
        self.store = store
        self.meta = meta_prefix
        self.shards = shards
        self.mh_bands = mh_bands
        self.mh_rows = mh_rows
        self.entity_keys = entity_keys
        self.evictions = 0

    def queue_keys(self, article_id: str, when: int) -> list[str]:
        """Keys that ``enqueue`` reads: the slot counter of the article's hour, the stored-article counter."""
        return [k.exp_count_key(when // k.HOUR), f"{self.meta}:docs"]

    def enqueue(
        self, article_id: str, when: int, values: Mapping[str, Any], *, record: bool = True
    ) -> dict[str, Any]:
        """Writes that queue a newly stored article (or stub) for expiry and count a record."""
        hour = when // k.HOUR
        counter, docs = self.queue_keys(article_id, when)
        slot = int(values.get(counter) or 0)
        writes: dict[str, Any] = {k.exp_slot_key(hour, slot): article_id, counter: slot + 1}
        if record:
            writes[docs] = int(values.get(docs) or 0) + 1
        return writes

    def total_evictions(self) -> int:
        """Evictions recorded in the state (all instances that shared it)."""
        return int(self.store.get(f"{self.meta}:evictions") or 0)

    def docs(self) -> int:
        """Number of article records in the state."""
        return int(self.store.get(f"{self.meta}:docs") or 0)

    def expire_until(self, cutoff: float) -> int:
        """Evict every article queued in an hour that ended at or before ``cutoff``; return how many."""
        mark_key = f"{self.meta}:evicted"
        last_hour = int(cutoff // k.HOUR) - 1
        mark = self.store.get(mark_key)
        if mark is None:
            self.store[mark_key] = last_hour
            return 0
        evicted = 0
        for hour in range(int(mark) + 1, last_hour + 1):
            for slot in range(int(self.store.pop(k.exp_count_key(hour), None) or 0)):
                article_id = self.store.pop(k.exp_slot_key(hour, slot), None)
                if article_id is not None:
                    evicted += self.evict(str(article_id))
            for shard in range(self.shards):  # queues written before slots
                for article_id in self.store.pop(f"exp:{hour}:{shard}", None) or ():
                    evicted += self.evict(article_id)
        if last_hour > int(mark):
            self.store[mark_key] = last_hour
        return evicted

    def evict(self, ref: str) -> int:
        """Remove a record or stub (by the article's handle) and its refs from every bucket; 1: a record."""
        doc = self.store.pop(k.doc_key(ref), None)
        if doc is None:
            stub = self.store.pop(k.stub_key(ref), None)
            if stub is not None:
                self._unlist(ref, stub.get("b") or [])
            return 0
        fingerprint = str(doc.get("f", ""))
        older = [f"fp:{fingerprint}"] if len(fingerprint) > k.FP_KEY_HEX else []  # keyed whole before
        self._unlist(ref, [k.fp_key(fingerprint), *older, *self._listed(doc)])
        counter = f"{self.meta}:docs"
        self.store[counter] = max(0, int(self.store.get(counter) or 0) - 1)
        total = f"{self.meta}:evictions"
        self.store[total] = int(self.store.get(total) or 0) + 1
        self.evictions += 1
        return 1

    def _listed(self, doc: Mapping[str, Any]) -> list[str]:
        return listed_under(doc, self.mh_bands, self.mh_rows, self.entity_keys, story=True)

    def _unlist(self, ref: str, keys: list[str]) -> None:
        """Drop the article from these buckets, and a fingerprint among them that names it."""
        for key in keys:
            if key.startswith("fp:"):
                first = self.store.get(key)
                if first is not None and k.ref_of(str(first["id"])) == ref:
                    del self.store[key]
                continue
            refs = k.drop_ref(self.store.get(key), ref)
            if refs:
                self.store[key] = refs
            else:
                self.store.pop(key, None)
