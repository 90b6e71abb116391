"""The deduper's stages (no faust): route → index (per owner partition) → gather → enriched.

``build_stage`` is the single-process form (offline path); ``build_stages`` the three streaming
hops. Both run ``PartitionedDeduper``'s methods, so they decide alike.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core.models import EnrichedArticle, TaggedArticle
from services.core.stage import Emit, Stage
from services.deduper.messages import (
    Commit,
    GatherMessage,
    IndexMessage,
    PartialVerdict,
    Pending,
    Probe,
)
from services.deduper.partitioned import Partial, PartitionedDeduper, combine
from services.deduper.verdict import Verdict, enrich

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
        return _final(deduper.process(article, now=now), forward_exact)

    return Stage(STAGE, TaggedArticle, run, dlq_max_bytes=dlq_max_bytes)


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
) -> DeduperStages:
    """Return the route, index and gather stages; ``pending`` holds articles awaiting verdicts."""

    def route(article: TaggedArticle, now: datetime) -> list[Emit]:
        sig = deduper.signature(article)
        partitions = deduper.routes(sig)
        emits = [
            Emit(
                "verdicts",
                article.article_id,
                Pending(article=article, partitions=partitions, fingerprint=sig.fingerprint),
            )
        ]
        for n in partitions:
            emits.append(Emit("probes", article.article_id, Probe(partition=n, article=article), partition=n))
        return emits

    def index(message: IndexMessage, now: datetime) -> list[Emit]:
        msg = message.root
        if isinstance(msg, Commit):
            verdict = Verdict(msg.status, msg.of, msg.similarity, msg.story_id)
            deduper.commit(msg.partition, msg.article_id, msg.fingerprint, verdict)
            return []
        p = deduper.probe(msg.partition, msg.article)
        partial = PartialVerdict(
            article_id=msg.article.article_id,
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
        entry = dict(pending.get(article_id) or {})
        if isinstance(msg, Pending):
            entry["article"] = msg.article.model_dump(mode="json")
            entry["partitions"] = msg.partitions
            entry["fingerprint"] = msg.fingerprint
        else:
            partials = dict(entry.get("partials") or {})
            partials[str(msg.partition)] = [msg.partition, msg.status, msg.of, msg.similarity, msg.story_id]
            entry["partials"] = partials
        received = {int(p) for p in entry.get("partials") or {}}
        if "article" not in entry or not set(entry["partitions"]) <= received:
            pending[article_id] = entry  # reassigned, never mutated: the changelog sees it
            return []
        pending.pop(article_id, None)
        article = TaggedArticle.model_validate(entry["article"])
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
        return emits

    return DeduperStages(
        route=Stage(f"{STAGE}-route", TaggedArticle, route, dlq_max_bytes=dlq_max_bytes),
        index=Stage(f"{STAGE}-index", IndexMessage, index, dlq_max_bytes=dlq_max_bytes),
        gather=Stage(STAGE, GatherMessage, gather, dlq_max_bytes=dlq_max_bytes),
    )
