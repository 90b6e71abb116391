"""The deduper's verdict, the event time it uses, and the enriched article it produces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.core.models import Duplicate, DuplicateStatus, EnrichedArticle, TaggedArticle


@dataclass(frozen=True)
class Verdict:
    """The decision for one article."""

    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str
    redelivered: bool = False


def event_time(article: TaggedArticle) -> datetime:
    """The event time that drives the window: when the pipeline ingested the article (UTC)."""
    return _utc(article.timestamps.ingested)


def story_time(article: TaggedArticle, max_future_days: float) -> datetime:
    """When the story happened: the published time when plausible (<= ingestion + max_future_days)."""
    ingested = _utc(article.timestamps.ingested)
    if article.published is not None:
        published = _utc(article.published)
        if published <= ingested + timedelta(days=max_future_days):
            return published
    return ingested


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def enrich(article: TaggedArticle, verdict: Verdict, fp: str, now: datetime) -> EnrichedArticle:
    """The tagged article with the dedupe verdict, story id, fingerprint and the deduped timestamp."""
    data = article.model_dump(exclude={"timestamps"})
    return EnrichedArticle.model_validate(
        {
            **data,
            "timestamps": article.timestamps.model_copy(update={"deduped": now}),
            "duplicate": Duplicate(status=verdict.status, of=verdict.of, similarity=verdict.similarity),
            "story_id": verdict.story_id,
            "fingerprint": fp,
        }
    )
