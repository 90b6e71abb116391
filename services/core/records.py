"""What the file readers yield: payloads with their record fields, or unreadable records for the DLQ.

Every structured reader (JSON lines, WARC, RSS/Atom) turns one record into its fields
(``title``, ``published``, ``url``, ``outlet``, ``language``, ``crawled``) and calls
:func:`record_payload`, the one place that validates those fields and builds the payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from services.core.outcomes import Rejection

ContentType = Literal["text/plain", "text/html", "application/octet-stream"]

# Records larger than this are not read whole (a WARC response, a feed file): a payload_too_large
# dead letter instead. The replay passes the Kafka message limit; this default is its default (4 MiB).
DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class RecordMeta:
    """What a structured record says about its article (feeds, crawls, JSON lines)."""

    title: str | None = None
    published: datetime | None = None
    url: str | None = None
    outlet: str | None = None
    language: str | None = None
    crawled: datetime | None = None  # a crawl's capture time (WARC-Date): Source.crawled


@dataclass(frozen=True)
class Payload:
    """One article payload found in a file: where it came from and its bytes."""

    uri: str
    record_id: str | None
    data: bytes
    content_type: ContentType
    meta: RecordMeta | None = None


@dataclass(frozen=True)
class BadRecord:
    """A record or file that could not be read (a broken line, item or WARC record), kept for the DLQ."""

    uri: str
    record_id: str | None
    data: bytes
    rejection: Rejection
    url: str | None = None


META_FIELDS = ("title", "url", "outlet", "language")
DATE_FIELDS = ("published", "crawled")


def _date(value: str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def record_meta(record: Mapping[str, object]) -> RecordMeta | Rejection:
    """The optional ``title``, ``url``, ``outlet``, ``language`` and ISO 8601 ``published``/``crawled``."""
    names = (*META_FIELDS, *DATE_FIELDS)
    wrong = [f for f in names if record.get(f) is not None and not isinstance(record[f], str)]
    if wrong:
        return Rejection("invalid_record", f"fields {wrong} must be strings")
    texts = {f: str(record[f]).strip() or None if record.get(f) is not None else None for f in META_FIELDS}
    dates: dict[str, datetime | None] = {}
    for name in DATE_FIELDS:
        value = str(record.get(name) or "").strip()
        try:
            dates[name] = _date(value) if value else None
        except ValueError:
            return Rejection("invalid_record", f"{name} {value[:40]!r} is not ISO 8601")
    if not any(texts.values()) and not any(dates.values()):
        return RecordMeta()
    return RecordMeta(published=dates["published"], crawled=dates["crawled"], **texts)


def record_payload(
    uri: str,
    record_id: str | None,
    text: bytes,
    content_type: ContentType,
    fields: Mapping[str, object],
    original: bytes,
    *,
    source: str | None = None,
) -> Payload | BadRecord:
    """The payload of one record of file ``uri`` from its text and fields; bad fields make a BadRecord.

    ``source`` replaces the file as the payload's uri when the record names its own (a .jsonl
    ``source``); a bad record always names the file, where it must be fixed.
    """
    meta = record_meta(fields)
    if isinstance(meta, Rejection):
        url = fields.get("url")
        return BadRecord(uri, record_id, original, meta, url if isinstance(url, str) else None)
    return Payload(source or uri, record_id, text, content_type, meta)
