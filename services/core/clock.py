"""Event time at the door of a stage: an ingest time in the future is clamped to now and flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

from services.core.models import CleanArticle

MAX_CLOCK_SKEW = timedelta(minutes=5)
FUTURE_FLAG = "ingested_in_future"
A = TypeVar("A", bound=CleanArticle)


def bounded_ingest_time(ingested: datetime, now: datetime) -> datetime | None:
    """The ingest time to use instead, when ``ingested`` is beyond now + the allowed skew; else None."""
    when = ingested if ingested.tzinfo else ingested.replace(tzinfo=UTC)
    return now if when > now + MAX_CLOCK_SKEW else None


def bound_article(article: A, now: datetime) -> A:
    """The article with its ingest time clamped to ``now`` (and flagged) when it lies in the future."""
    clamped = bounded_ingest_time(article.timestamps.ingested, now)
    if clamped is None:
        return article
    stamps = article.timestamps.model_copy(update={"ingested": clamped})
    flags = article.flags if FUTURE_FLAG in article.flags else [*article.flags, FUTURE_FLAG]
    return article.model_copy(update={"timestamps": stamps, "flags": flags})
