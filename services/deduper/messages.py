"""Messages between the deduper's hops (internal topics, not part of the consumer contract)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from services.core.models import DuplicateStatus, Source, TaggedArticle


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Probe(_Message):
    """Route → each partition to probe: find this article's candidates there, by its signature."""

    kind: Literal["probe"] = "probe"
    partition: int = Field(ge=0)
    article_id: str | None = None
    source: Source | None = None
    order: tuple[int, str] | None = None  # ingestion time (µs) and id: who came first
    signature: dict[str, Any] | None = None  # ``wire.to_wire``: computed once, at hop 1
    article: TaggedArticle | None = None  # probes written before the signature travelled


class Verify(_Message):
    """Gather → the candidates' home: judge this article against these candidates' records there."""

    kind: Literal["verify"] = "verify"
    partition: int = Field(ge=0)
    article_id: str
    signature: dict[str, Any]
    candidates: list[str]


class Commit(_Message):
    """Gather → every partition probed: the final verdict; store the article there."""

    kind: Literal["commit"] = "commit"
    partition: int = Field(ge=0)
    article_id: str
    fingerprint: str
    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str
    signature: dict[str, Any] | None = None  # None: a commit of the three-hop version


class Pending(_Message):
    """Route → gather: the article and the partitions whose answers to wait for."""

    kind: Literal["article"] = "article"
    article: TaggedArticle
    partitions: list[int]
    fingerprint: str
    signature: dict[str, Any] | None = None  # ``wire.to_wire``, for the verify and commit messages


class PartialVerdict(_Message):
    """Probe or verify → gather: one partition's answer (candidates, or a verdict)."""

    kind: Literal["partial"] = "partial"
    article_id: str
    partition: int
    status: DuplicateStatus
    of: str | None
    similarity: float | None
    story_id: str
    error: str | None = None  # the probe failed there: the gather dead-letters the article
    phase: Literal["probe", "verify"] = "probe"
    candidates: list[tuple[str, int, int]] = []  # a probe's: [id, buckets shared, newest]
    redelivered: bool = False  # a probe at home found the article decided before


class IndexMessage(RootModel[Annotated[Probe | Verify | Commit, Field(discriminator="kind")]]):
    """A message of the probes topic."""


class GatherMessage(RootModel[Annotated[Pending | PartialVerdict, Field(discriminator="kind")]]):
    """A message of the verdicts topic."""
