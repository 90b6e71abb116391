"""Deduper logic: exact, near-duplicate and same-story detection over a key-value store (no I/O).

The store is any ``MutableMapping[str, Any]`` with JSON-serialisable values (a dict in tests, a
faust Table in the worker). Every access is by key (see ``services.deduper.keys``); the halves
``keys_for`` → ``doc_keys`` → ``decide`` → ``updates`` can run in separate streaming hops.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np

from services.core.models import EnrichedArticle, TaggedArticle
from services.core.sources import publisher
from services.deduper import keys as k
from services.deduper import signature as sg
from services.deduper.expiry import Expirer
from services.deduper.facts import StoryFacts, facts_to, outlet_key, story_facts
from services.deduper.judge import judge, record_id, record_story
from services.deduper.story import StoryRule
from services.deduper.verdict import Verdict, enrich, event_time, story_time

fingerprint = sg.fingerprint
__all__ = [
    "Deduper",
    "DeduperConfig",
    "Signature",
    "Verdict",
    "fingerprint",
]


@dataclass(frozen=True)
class DeduperConfig:
    """Thresholds, LSH shapes and state bounds of the deduper; every field has a default."""

    window_days: float = 7.0
    shingle_size: int = 3
    num_perm: int = 96
    mh_bands: int = 16
    mh_rows: int = 3
    near_threshold: float = 0.5
    min_near_words: int = 8
    min_body_words: int = (
        20  # a shorter body is fingerprinted with its title ("Pay April 15 Record March 31")
    )
    emb_bands: int = 16
    emb_bits: int = 8
    entity_keys: int = 4
    entity_limit: int = 10
    max_refs: int = 32
    max_candidates: int = 48
    story: StoryRule = field(default_factory=StoryRule)
    exp_shards: int = 8
    max_future_days: float = 1.0
    meta_prefix: str = "meta"


@dataclass(frozen=True)
class Signature:
    """Everything the decision needs from one article, computed once."""

    article_id: str
    fingerprint: str
    event_time: int
    story_time: int
    minhash: sg.U32 | None
    mh_keys: tuple[str, ...]
    embedding: sg.F32 | None
    emb_keys: tuple[str, ...]
    entities: tuple[str, ...]
    ent_keys: tuple[str, ...]
    language: str | None
    facts: StoryFacts

    @cached_property
    def ref(self) -> str:
        """The handle the article is filed under in the state (``keys.ref_of``)."""
        return k.ref_of(self.article_id)


class Deduper:
    """Exact / near / same-story deduplication with a bounded, windowed, key-addressed state."""

    def __init__(
        self,
        store: MutableMapping[str, Any],
        config: DeduperConfig = DeduperConfig(),
        *,
        embed: Callable[[str], list[float]] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.embed = embed
        self.expirer = Expirer(
            store,
            config.meta_prefix,
            config.exp_shards,
            config.mh_bands,
            config.entity_keys,
            mh_rows=config.mh_rows,
        )

    # -- half 1: signature and keys -------------------------------------------------------------
    def signature(self, article: TaggedArticle) -> Signature:
        """Compute fingerprint, MinHash, embedding LSH codes and entity keys of an article."""
        c = self.config
        when = int(event_time(article).timestamp())
        when_story = int(story_time(article, c.max_future_days).timestamp())
        tokens = sg.words(article.text)
        mh = sg.minhash(tokens, c.shingle_size, c.num_perm) if len(tokens) >= c.min_near_words else None
        mh_keys = tuple(k.mh_keys(sg.band_hashes(mh, c.mh_bands, c.mh_rows))) if mh is not None else ()
        vector = article.embedding
        if vector is None and self.embed is not None:
            vector = self.embed("\n".join(p for p in (article.title or "", *article.lead, article.text) if p))
        emb: sg.F32 | None = None
        emb_keys: tuple[str, ...] = ()
        if vector is not None and any(vector):
            emb = np.asarray(vector, dtype=np.float32)
            emb = emb / float(np.linalg.norm(emb))
            codes = sg.hyperplane_bands(sg.centred(emb), c.emb_bands, c.emb_bits)
            emb_keys = tuple(k.emb_keys(emb.size, codes))
        lang = article.language.code if article.language else None
        facts = story_facts(
            article.entities,
            article.title,
            article.text,
            language=lang,
            entity_limit=c.entity_limit,
            outlet=outlet_key(publisher(article.source)),
        )
        ents = facts.entities
        day = when_story // k.DAY
        span = math.ceil(c.story.max_gap_days)
        ent_keys = tuple(
            k.ent_key(e, d) for e in ents[: c.entity_keys] for d in range(day - span, day + span + 1)
        )
        return Signature(
            article.article_id,
            sg.fingerprint(self._fingerprinted(article, len(tokens))),
            when,
            when_story,
            mh,
            mh_keys,
            emb,
            emb_keys,
            ents,
            ent_keys,
            lang,
            facts,
        )

    def _fingerprinted(self, article: TaggedArticle, words: int) -> str:
        """The text the fingerprint covers: the body, with the title when the body is very short.

        Short bodies are often a template (dividend notices, one-line results) whose only
        distinguishing text is the title: two such notices of two companies are not one text.
        """
        if article.title and words < self.config.min_body_words:
            return f"{article.title}\n{article.text}"
        return article.text

    def keys_for(self, sig: Signature) -> list[str]:
        """Keys to read for this article: own record, fingerprint, index buckets, clock, expiry queue."""
        return [
            k.doc_key(sig.ref),
            k.fp_key(sig.fingerprint),
            *sig.mh_keys,
            *sig.emb_keys,
            *sig.ent_keys,
            self._meta("clock"),
            *self.expirer.queue_keys(sig.ref, sig.event_time),
        ]

    def doc_keys(self, sig: Signature, values: Mapping[str, Any]) -> list[str]:
        """Second hop: records of the best-ranked candidates found in the index buckets (bounded)."""
        return [k.doc_key(c[0]) for c in self.candidates(sig, values)]

    def candidates(self, sig: Signature, values: Mapping[str, Any]) -> list[k.Candidate]:
        """The best-ranked ``[id, hits, newest]`` found in the article's buckets (bounded, in rank order)."""
        hits: Counter[str] = Counter()
        newest: dict[str, int] = {}
        cutoff = self.cutoff(sig, values)
        for key in (*sig.mh_keys, *sig.emb_keys, *sig.ent_keys):
            for ref_id, when in values.get(key) or ():
                if ref_id != sig.ref and when >= cutoff:
                    hits[ref_id] += 1
                    newest[ref_id] = when
        return k.rank([[i, hits[i], newest[i]] for i in hits], self.config.max_candidates)

    # -- half 2: decision -----------------------------------------------------------------------
    def decide(self, sig: Signature, values: Mapping[str, Any]) -> Verdict:
        """Verdict from the values read under ``keys_for`` and ``doc_keys`` (missing keys: absent)."""
        again = self.redelivered(sig, values)
        if again is not None:
            return again
        cutoff = self.cutoff(sig, values)
        first = values.get(k.fp_key(sig.fingerprint))
        if first is not None and first["id"] != sig.article_id and first["t"] >= cutoff:
            return Verdict("exact", first["id"], 1.0, first["s"])
        docs = [
            (key[4:], doc)
            for key, doc in values.items()
            if key.startswith("doc:") and key[4:] != sig.ref and "m" in doc and doc["t"] >= cutoff
        ]
        return self.judge(sig, docs)

    def redelivered(self, sig: Signature, values: Mapping[str, Any]) -> Verdict | None:
        """The verdict the article was given before, when its own record is among the values."""
        own = values.get(k.doc_key(sig.ref))
        if own is None or "v" not in own or record_id(sig.ref, own) != sig.article_id:
            return None
        status, of, sim = own["v"]
        return Verdict(status, of, sim, record_story(sig.ref, own), redelivered=True)

    def judge(self, sig: Signature, docs: list[tuple[str, dict[str, Any]]]) -> Verdict:
        """Near duplicate, else same story, else unique, among candidate records ``(ref, record)``."""
        return judge(sig, docs, self.config.near_threshold, self.config.story)

    # -- half 3: writes -------------------------------------------------------------------------
    def updates(self, sig: Signature, verdict: Verdict, values: Mapping[str, Any]) -> dict[str, Any]:
        """Writes for this article (None = delete); empty for a redelivery or an already-expired article."""
        if verdict.redelivered or self.expired(sig, values):
            return {}
        clock = max(int(values.get(self._meta("clock")) or 0), sig.event_time)
        out: dict[str, Any] = {self._meta("clock"): clock}
        if verdict.status != "exact":
            first = values.get(k.fp_key(sig.fingerprint))
            if first is None or first["t"] < self.cutoff(sig, values):
                out[k.fp_key(sig.fingerprint)] = {
                    "id": sig.article_id,
                    "s": verdict.story_id,
                    "t": sig.event_time,
                }
            out.update(self.listings(sig, verdict, values))
        out[k.doc_key(sig.ref)] = self.record(sig, verdict)
        out.update(self.expirer.enqueue(sig.ref, sig.event_time, values))
        return out

    def expired(self, sig: Signature, values: Mapping[str, Any]) -> bool:
        """Whether the article is already older than the window (decided, not stored)."""
        return sig.event_time < self.cutoff(sig, values)

    def record(self, sig: Signature, verdict: Verdict) -> dict[str, Any]:
        """The article's stored record (exact duplicates keep only what a redelivery and eviction need).

        What a reader can infer is left out: a leader's story (its own id), a canonical that is the
        article itself, a story time equal to the event time (``record_story``, ``record_id``).
        """
        doc: dict[str, Any] = {
            "t": sig.event_time,
            "v": [verdict.status, verdict.of, verdict.similarity],
            "f": k.fp_key(sig.fingerprint)[3:],
        }
        if verdict.story_id != sig.article_id:
            doc["s"] = verdict.story_id
        if sig.ref != sig.article_id:
            doc["i"] = sig.article_id  # filed under a hash of the id
        if verdict.status == "exact":
            return doc
        if verdict.status == "near" and verdict.of:
            doc["c"] = verdict.of
        doc["m"] = sg.pack_u32(sig.minhash) if sig.minhash is not None else ""
        doc.update(facts_to(sig.facts))  # n(entity ids) and the story evidence
        doc["l"] = sig.language
        if sig.story_time != sig.event_time:
            doc["p"] = sig.story_time
        if sig.embedding is not None:
            doc["e"] = sg.pack_vector(sig.embedding)
            doc["h"] = list(sig.emb_keys)
        doc["x"] = 1 if self._story_keys(sig, verdict) else 0  # in the story buckets (reindex reads it)
        return doc

    def listings(
        self, sig: Signature, verdict: Verdict, values: Mapping[str, Any], keep: Callable[[str], bool] = bool
    ) -> dict[str, list[k.Ref]]:
        """The bucket lists with the article added (those ``keep`` accepts); none for an exact copy."""
        if verdict.status == "exact":
            return {}
        cutoff, c = self.cutoff(sig, values), self.config
        keys = [key for key in (*sig.mh_keys, *self._story_keys(sig, verdict)) if keep(key)]
        return {key: k.add_ref(values.get(key), sig.ref, sig.event_time, cutoff, c.max_refs) for key in keys}

    def _story_keys(self, sig: Signature, verdict: Verdict) -> tuple[str, ...]:
        """Only a story's leader is ever compared for a story, so only an article that opens a story
        (unique) goes into the embedding and entity buckets: they stay uncrowded."""
        if verdict.status != "unique":
            return ()
        day = sig.story_time // k.DAY
        return (*sig.emb_keys, *(k.ent_key(e, day) for e in sig.entities[: self.config.entity_keys]))

    # -- convenience: single store ------------------------------------------------------------
    def process(self, article: TaggedArticle, *, now: datetime) -> EnrichedArticle:
        """Decide, update the state, expire old articles, and return the enriched article."""
        sig = self.signature(article)
        store = self.store
        values: dict[str, Any] = {}
        for key in self.keys_for(sig):
            value = store.get(key)
            if value is not None:
                values[key] = value
        for key in self.doc_keys(sig, values):
            value = store.get(key)
            if value is not None:
                values[key] = value
        verdict = self.decide(sig, values)
        for key, value in self.updates(sig, verdict, values).items():
            if value is None:
                store.pop(key, None)
            else:
                store[key] = value
        clock = store.get(self._meta("clock"))
        if clock is not None:
            self.expirer.expire_until(int(clock) - self.config.window_days * k.DAY)
        return enrich(article, verdict, sig.fingerprint, now)

    def stats(self) -> dict[str, int]:
        """Countable state: stored articles, evictions (this instance / recorded in the state), keys."""
        return {
            "docs": self.expirer.docs(),
            "evictions": self.expirer.evictions,
            "evictions_total": self.expirer.total_evictions(),
            "keys": len(self.store),
        }

    def cutoff(self, sig: Signature, values: Mapping[str, Any]) -> float:
        """Oldest event time still inside the window (the clock is the newest event time seen)."""
        clock = max(int(values.get(self._meta("clock")) or 0), sig.event_time)
        return clock - self.config.window_days * k.DAY

    def _meta(self, name: str) -> str:
        return f"{self.config.meta_prefix}:{name}"
