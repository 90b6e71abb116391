"""The deduper's stages (no faust): route → index (per owner partition) → gather → enriched.

``build_stage`` is the single-process form (offline path); ``build_stages`` the three streaming
hops. Both run ``PartitionedDeduper``'s methods, so they decide alike.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core.clock import bound_article
from services.core.models import EnrichedArticle, Source, TaggedArticle
from services.core.outcomes import Provenance, Rejection
from services.core.stage import Emit, Stage, dead_letter_emit
from services.deduper.messages import (
    Commit,
    GatherMessage,
    IndexMessage,
    PartialVerdict,
    Pending,
    Probe,
)
from services.deduper.partitioned import Partial, PartitionedDeduper, arrival_order, combine
from services.deduper.pending import article_key, expire, pop_article
from services.deduper.verdict import Verdict, enrich
from services.deduper.wire import from_wire, to_wire

STAGE = "deduper"


def _final(enriched: EnrichedArticle, forward_exact: bool) -> list[Emit]:
    if enriched.duplicate.status != "exact":
        return [Emit("out", enriched.article_id, enriched)]
    emits = [Emit("duplicates", enriched.article_id, enriched, outcome="duplicate")]
    if forward_exact:
        emits.append(Emit("out", enriched.article_id, enriched))
    return emits


def build_stage(
    deduper: PartitionedDeduper, *, forward_exact: bool = False, dlq_max_bytes: int = 64 * 1024
) -> Stage[TaggedArticle]:
    """Return the single-process deduper stage; exact duplicates go to the duplicates route."""

    def run(article: TaggedArticle, now: datetime) -> list[Emit]:
        return _final(deduper.process(bound_article(article, now), now=now), forward_exact)

    return Stage(STAGE, TaggedArticle, run, dlq_max_bytes=dlq_max_bytes)


def _failed(article: TaggedArticle, error: str, now: datetime, max_bytes: int) -> Emit:
    """The dead letter of an article whose probe failed on an owner partition."""
    return dead_letter_emit(
        STAGE,
        Rejection("processing_error", error),
        article.model_dump_json().encode(),
        Provenance(),
        now,
        article_id=article.article_id,
        source=article.source,
        max_bytes=max_bytes,
    )


def _timed_out(article_id: str, entry: dict[str, Any], now: datetime, max_bytes: int) -> Emit:
    """The dead letter of an article whose partial verdicts did not all arrive in time."""
    got = sorted(int(p) for p in entry.get("partials") or {})
    error = f"partial verdicts of partitions {entry.get('partitions')} expected, got {got}"
    if "article" not in entry:
        error = f"partial verdicts {got} arrived for an article the gather never saw"
    source = Source.model_validate(entry["article"]["source"]) if "article" in entry else None
    return dead_letter_emit(
        STAGE,
        Rejection("verdict_timeout", error),
        json.dumps(entry).encode(),
        Provenance(),
        now,
        article_id=article_id,
        source=source,
        max_bytes=max_bytes,
    )


@dataclass(frozen=True)
class DeduperStages:
    """The three streaming hops."""

    route: Stage[TaggedArticle]
    index: Stage[IndexMessage]
    gather: Stage[GatherMessage]


def build_stages(
    deduper: PartitionedDeduper,
    pending: MutableMapping[str, Any],
    *,
    forward_exact: bool = False,
    dlq_max_bytes: int = 64 * 1024,
    pending_ttl_s: float = 86_400.0,
) -> DeduperStages:
    """Return the route, index and gather stages; ``pending`` holds articles awaiting verdicts."""

    def route(article: TaggedArticle, now: datetime) -> list[Emit]:
        article = bound_article(article, now)  # one future clock must not move the window
        sig = deduper.signature(article)
        partitions = deduper.routes(sig)
        emits = [
            Emit(
                "verdicts",
                article.article_id,
                Pending(article=article, partitions=partitions, fingerprint=sig.fingerprint),
            )
        ]
        wired, order = to_wire(sig), arrival_order(article)
        for n in partitions:
            probe = Probe(
                partition=n,
                article_id=article.article_id,
                source=article.source,
                order=order,
                signature=wired,
            )
            emits.append(Emit("probes", article.article_id, probe, partition=n))
        return emits

    def index(message: IndexMessage, now: datetime) -> list[Emit]:
        msg = message.root
        if isinstance(msg, Commit):
            verdict = Verdict(msg.status, msg.of, msg.similarity, msg.story_id)
            deduper.commit(msg.partition, msg.article_id, msg.fingerprint, verdict)
            return []
        article_id = msg.article_id or (msg.article.article_id if msg.article else "")
        try:
            if msg.signature is not None and msg.order is not None:
                p = deduper.probe_signature(msg.partition, from_wire(msg.signature), msg.order)
            elif msg.article is not None:
                p = deduper.probe(msg.partition, msg.article)
            else:
                raise ValueError("a probe with neither a signature nor an article")
        except Exception as exc:  # the gather waits for this partition: tell it, it dead-letters
            error = f"deduper-index failed on partition {msg.partition}: {exc!r}"
            failed = PartialVerdict(
                article_id=article_id,
                partition=msg.partition,
                status="unique",
                of=None,
                similarity=None,
                story_id=article_id,
                error=error,
            )
            return [Emit("verdicts", article_id, failed)]
        partial = PartialVerdict(
            article_id=article_id,
            partition=p.partition,
            status=p.status,
            of=p.of,
            similarity=p.similarity,
            story_id=p.story_id,
        )
        return [Emit("verdicts", partial.article_id, partial)]

    def gather(message: GatherMessage, now: datetime) -> list[Emit]:
        msg = message.root
        article_id = msg.article.article_id if isinstance(msg, Pending) else msg.article_id
        stale = [_timed_out(i, e, now, dlq_max_bytes) for i, e in expire(pending, now, pending_ttl_s)]
        entry = dict(pending.get(article_id) or {"since": now.timestamp()})
        if isinstance(msg, Pending):
            pending[article_key(article_id)] = msg.article.model_dump(mode="json")  # once, not per partial
            entry["seen"] = True
            entry["partitions"] = msg.partitions
            entry["fingerprint"] = msg.fingerprint
        else:
            partials = dict(entry.get("partials") or {})
            partials[str(msg.partition)] = [msg.partition, msg.status, msg.of, msg.similarity, msg.story_id]
            entry["partials"] = partials
            if msg.error:
                entry["errors"] = [*(entry.get("errors") or []), msg.error]
        received = {int(p) for p in entry.get("partials") or {}}
        seen = entry.get("seen") or "article" in entry  # "article": an entry of an older version
        if not seen or not set(entry["partitions"]) <= received:
            pending[article_id] = entry  # reassigned, never mutated: the changelog sees it
            return stale
        pending.pop(article_id, None)
        article = TaggedArticle.model_validate(pop_article(pending, article_id, entry))
        if entry.get("errors"):
            return [*stale, _failed(article, "; ".join(entry["errors"]), now, dlq_max_bytes)]
        verdict = combine(article_id, [Partial.from_json(v) for v in entry["partials"].values()])
        fingerprint = str(entry["fingerprint"])
        emits = _final(enrich(article, verdict, fingerprint, now), forward_exact)
        for n in entry["partitions"]:
            commit = Commit(
                partition=n,
                article_id=article_id,
                fingerprint=fingerprint,
                status=verdict.status,
                of=verdict.of,
                similarity=verdict.similarity,
                story_id=verdict.story_id,
            )
            emits.append(Emit("probes", article_id, commit, partition=n))
        return [*stale, *emits]

    return DeduperStages(
        route=Stage(f"{STAGE}-route", TaggedArticle, route, dlq_max_bytes=dlq_max_bytes),
        index=Stage(f"{STAGE}-index", IndexMessage, index, dlq_max_bytes=dlq_max_bytes),
        gather=Stage(STAGE, GatherMessage, gather, dlq_max_bytes=dlq_max_bytes),
    )
