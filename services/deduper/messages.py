"""Messages between the deduper's hops (internal topics, not part of the consumer contract)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from services.core.models import DuplicateStatus, Source, TaggedArticle


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Probe(_Message):
    """Hop 1 → hop 2: index and judge this article on one owner partition, by its signature."""

    kind: Literal["probe"] = "probe"
    partition: int = Field(ge=0)
    article_id: str | None = None
    source: Source | None = None
    order: tuple[int, str] | None = None  # ingestion time (µs) and id: who came first
    signature: dict[str, Any] | None = None  # ``wire.to_wire``: computed once, at hop 1
    article: TaggedArticle | None = None  # probes written before the signature travelled


class Commit(_Message):
    """Hop 3 → hop 2: the final verdict, to record on an owner partition."""

    kind: Literal["commit"] = "commit"
    partition: int = Field(ge=0)
    article_id: str
    fingerprint: str
    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str


class Pending(_Message):
    """Hop 1 → hop 3: the article and the owner partitions whose partial verdicts to wait for."""

    kind: Literal["article"] = "article"
    article: TaggedArticle
    partitions: list[int]
    fingerprint: str


class PartialVerdict(_Message):
    """Hop 2 → hop 3: one owner partition's verdict."""

    kind: Literal["partial"] = "partial"
    article_id: str
    partition: int
    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str
    error: str | None = None  # the probe failed there: the gather dead-letters the article


class IndexMessage(RootModel[Annotated[Probe | Commit, Field(discriminator="kind")]]):
    """A message of the probes topic."""


class GatherMessage(RootModel[Annotated[Pending | PartialVerdict, Field(discriminator="kind")]]):
    """A message of the verdicts topic."""
