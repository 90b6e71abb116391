"""Outcomes shared by stage logic: a rejection is data, never an exception that escapes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejection:
    """A stage's decision that an input cannot become an output; it goes to the dead-letter topic."""

    reason: str
    error: str


@dataclass(frozen=True)
class Provenance:
    """Where a message was read from; None fields when it did not come from Kafka."""

    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
