"""The deduper's stages (no faust): route → index (per owner partition) → gather → enriched.

``build_stage`` is the single-process form (offline path); ``build_stages`` the three streaming
hops. Both run ``PartitionedDeduper``'s methods, so they decide alike.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from services.core.clock import bound_article
from services.core.models import EnrichedArticle, Source, TaggedArticle
from services.core.outcomes import Provenance, Rejection
from services.core.stage import Emit, Stage, dead_letter_emit
from services.deduper import keys as k
from services.deduper.messages import (
    Commit,
    GatherMessage,
    IndexMessage,
    PartialVerdict,
    Pending,
    Probe,
    Verify,
)
from services.deduper.partitioned import (
    Partial,
    PartitionedDeduper,
    arrival_order,
    combine,
    home,
    settle,
    shortlist,
)
from services.deduper.pending import article_key, close, expire, signature_key
from services.deduper.verdict import Verdict, enrich
from services.deduper.wire import from_wire, keys_only, to_wire

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
        wired, order = to_wire(sig), arrival_order(article)
        pending_msg = Pending(
            article=article, partitions=partitions, fingerprint=sig.fingerprint, signature=wired
        )
        emits = [Emit("verdicts", article.article_id, pending_msg)]
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

    def answer(msg: Probe | Verify) -> PartialVerdict:
        """A probe's or a verification's answer; when it raises, an answer with the error."""
        phase: Literal["probe", "verify"] = "verify" if isinstance(msg, Verify) else "probe"
        article_id = msg.article_id or (
            msg.article.article_id if isinstance(msg, Probe) and msg.article else ""
        )
        try:
            if isinstance(msg, Verify):
                p = deduper.verify(msg.partition, from_wire(msg.signature), msg.candidates)
            elif msg.signature is not None and msg.order is not None:
                p = deduper.probe_signature(msg.partition, from_wire(msg.signature), msg.order)
            elif msg.article is not None:
                p = deduper.probe(msg.partition, msg.article)
            else:
                raise ValueError("a probe with neither a signature nor an article")
        except Exception as exc:  # the gather waits for this partition: tell it, it dead-letters
            error = f"deduper-index {phase} failed on partition {msg.partition}: {exc!r}"
            return PartialVerdict(
                article_id=article_id,
                partition=msg.partition,
                status="unique",
                of=None,
                similarity=None,
                story_id=article_id,
                error=error,
                phase=phase,
            )
        return PartialVerdict(
            article_id=article_id,
            partition=p.partition,
            status=p.status,
            of=p.of,
            similarity=p.similarity,
            story_id=p.story_id,
            phase=phase,
            candidates=[(str(c[0]), int(c[1]), int(c[2])) for c in p.candidates],
            redelivered=p.redelivered,
        )

    def index(message: IndexMessage, now: datetime) -> list[Emit]:
        msg = message.root
        if isinstance(msg, Commit):
            verdict = Verdict(msg.status, msg.of, msg.similarity, msg.story_id)
            if msg.signature is None:
                deduper.commit_legacy(msg.partition, msg.article_id, msg.fingerprint, verdict)
            else:
                deduper.commit(msg.partition, from_wire(msg.signature), verdict)
            return []
        partial = answer(msg)
        return [Emit("verdicts", partial.article_id, partial)]

    def gather(message: GatherMessage, now: datetime) -> list[Emit]:
        msg = message.root
        article_id = msg.article.article_id if isinstance(msg, Pending) else msg.article_id
        stale = [_timed_out(i, e, now, dlq_max_bytes) for i, e in expire(pending, now, pending_ttl_s)]
        entry = dict(pending.get(article_id) or {"since": now.timestamp()})
        if isinstance(msg, Pending):
            pending[article_key(article_id)] = msg.article.model_dump(mode="json")  # once, not per partial
            if msg.signature is not None:
                pending[signature_key(article_id)] = msg.signature
            entry["seen"] = True
            entry["partitions"] = msg.partitions
            entry["fingerprint"] = msg.fingerprint
        else:
            field = "checked" if msg.phase == "verify" else "partials"
            answers = dict(entry.get(field) or {})
            given = Partial(
                msg.partition,
                msg.status,
                msg.of,
                msg.similarity,
                msg.story_id,
                tuple(list(c) for c in msg.candidates),
                msg.redelivered,
            )
            answers[str(msg.partition)] = given.to_json()
            entry[field] = answers
            if msg.error:
                entry["errors"] = [*(entry.get("errors") or []), msg.error]
        seen = entry.get("seen") or "article" in entry  # "article": an entry of an older version
        waiting = entry.get("verify", entry.get("partitions")) or []
        received = {int(p) for p in entry.get("checked" if "verify" in entry else "partials") or {}}
        if not seen or not set(waiting) <= received:
            pending[article_id] = entry  # reassigned, never mutated: the changelog sees it
            return stale
        if entry.get("errors"):
            article = TaggedArticle.model_validate(close(pending, article_id, entry))
            return [*stale, _failed(article, "; ".join(entry["errors"]), now, dlq_max_bytes)]
        if "verify" in entry:
            verdict = combine(article_id, [Partial.from_json(v) for v in entry["checked"].values()])
        else:
            found = [Partial.from_json(v) for v in entry["partials"].values()]
            settled = settle(article_id, found)
            if settled is None:
                plan = shortlist(found, deduper.config.max_candidates, deduper.partitions)
                wired = _signature(pending, article_id, entry)
                entry = {**entry, "partials": {}, "verify": list(plan)}
                pending[article_id] = entry
                verifies = [
                    Emit(
                        "probes",
                        article_id,
                        Verify(partition=h, article_id=article_id, signature=wired, candidates=ids),
                        partition=h,
                    )
                    for h, ids in plan.items()
                ]
                return [*stale, *verifies]
            verdict = settled
        signature = None if verdict.redelivered else _signature(pending, article_id, entry)
        article = TaggedArticle.model_validate(close(pending, article_id, entry))
        fingerprint = str(entry["fingerprint"])
        emits = _final(enrich(article, verdict, fingerprint, now), forward_exact)
        if signature is None:
            return [*stale, *emits]  # decided before: the partitions hold it already
        at_home = home(k.ref_of(article_id), deduper.partitions)
        for n in entry["partitions"]:
            commit = Commit(
                partition=n,
                article_id=article_id,
                fingerprint=fingerprint,
                status=verdict.status,
                of=verdict.of,
                similarity=verdict.similarity,
                story_id=verdict.story_id,
                signature=signature if n == at_home else keys_only(signature),  # the record is kept at home
            )
            emits.append(Emit("probes", article_id, commit, partition=n))
        return [*stale, *emits]

    def _signature(store: MutableMapping[str, Any], article_id: str, entry: dict[str, Any]) -> dict[str, Any]:
        """The article's wire signature: as the route sent it, or (an older version's entry) computed."""
        wired = store.get(signature_key(article_id))
        if wired is None:
            raw = store.get(article_key(article_id)) or entry.get("article")
            wired = to_wire(deduper.signature(TaggedArticle.model_validate(raw)))
        return dict(wired)

    return DeduperStages(
        route=Stage(f"{STAGE}-route", TaggedArticle, route, dlq_max_bytes=dlq_max_bytes),
        index=Stage(f"{STAGE}-index", IndexMessage, index, dlq_max_bytes=dlq_max_bytes),
        gather=Stage(STAGE, GatherMessage, gather, dlq_max_bytes=dlq_max_bytes),
    )
