"""Choosing dead letters and turning them back into the messages they were (pure, no I/O)."""

from __future__ import annotations

import base64
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.cleaner.memory import source_key
from services.core.models import DeadLetter

_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Letter:
    """A dead letter and where it is on the DLQ topic."""

    partition: int
    offset: int
    record: DeadLetter

    @property
    def ref(self) -> str:
        """Its id in the replay ledger: DLQ partition and offset."""
        return f"{self.partition}:{self.offset}"


@dataclass(frozen=True)
class Filter:
    """Which dead letters a command works on."""

    stage: str | None = None
    reason: str | None = None
    since: datetime | None = None

    def __call__(self, letter: Letter) -> bool:
        """True when the dead letter matches every given criterion."""
        record = letter.record
        at = record.at if record.at.tzinfo else record.at.replace(tzinfo=UTC)
        return (
            (self.stage is None or record.stage == self.stage)
            and (self.reason is None or record.reason == self.reason)
            and (self.since is None or at >= self.since)
        )


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: an ISO 8601 time, or an age such as ``30m``, ``6h``, ``2d``."""
    found = _AGO.match(text.strip())
    if found:
        return now - timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def counts(letters: list[Letter]) -> Counter[tuple[str, str]]:
    """How many dead letters per (stage, reason)."""
    return Counter((letter.record.stage, letter.record.reason) for letter in letters)


def original(record: DeadLetter) -> bytes | None:
    """The original message value, or None when it cannot be restored (truncated)."""
    if record.payload_truncated:
        return None
    if record.payload_encoding == "base64":
        return base64.b64decode(record.payload)
    return record.payload.encode("utf-8", "surrogatepass")


def replay_key(record: DeadLetter, raw_topic: str) -> bytes | None:
    """The key a replayed message is sent with: the raw topic's ``source_key``, else its article id."""
    if record.source_topic == raw_topic and record.source is not None:
        return source_key(record.source).encode()  # the partition that learns its source's boilerplate
    return record.article_id.encode() if record.article_id else None


def why_not_replayable(record: DeadLetter) -> str | None:
    """The reason a dead letter cannot be sent back, or None when it can."""
    if record.source_topic is None:
        return "no_source_topic"  # e.g. an unreadable file record: fix the file and replay it
    if record.payload_truncated:
        return "payload_truncated"
    return None


def preview(record: DeadLetter, width: int = 100) -> str:
    """A one-line preview of the payload."""
    text = record.payload if record.payload_encoding == "utf-8" else f"<base64> {record.payload}"
    flat = " ".join(text.split())
    return flat[:width] + ("…" if len(flat) > width else "")
