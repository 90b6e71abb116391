"""Reading WARC crawls (``.warc``, ``.warc.gz``, e.g. CC-NEWS) with warcio: one HTML response a record.

Streamed record by record (a crawl file is often 1 GB): only the current record's body is held,
and never more than the record limit of it. Requests, metadata, warcinfo and revisit records,
responses with a status other than 2xx and responses that are not HTML are not articles: they are
counted by kind (``warc:request``, ``warc:non_html``, ...), not dead-lettered. A record that cannot
be read (a truncated file, a file that is not WARC, a broken encoding) is a dead letter naming the
record's number and byte offset, and reading that file stops there (what follows cannot be trusted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from services.core.outcomes import Rejection
from services.core.records import BadRecord, Payload, record_payload

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
READ_CHUNK = 64 * 1024
KEEP_BYTES = 64 * 1024  # of a bad record's bytes: what its dead letter can hold anyway


SINGLE_GZIP = (
    "the file is one gzip stream, not one gzip member per record as WARC tools write it: "
    "recompress it (`warcio recompress FILE NEW.warc.gz`) or gunzip it, then replay that"
)


class _UnreadableError(Exception):
    """The file cannot be read past this record."""


def warc_records(
    path: Path, uri: str, max_bytes: int, skipped: Counter[str]
) -> Iterator[Payload | BadRecord]:
    """Yield a payload per HTML response of a WARC file (target URI and WARC-Date kept), streamed."""
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        number = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except Exception as exc:  # warcio's parse errors, zlib errors, a cut gzip member
                error = SINGLE_GZIP if "non-chunked gzip" in str(exc) else f"unreadable: {_what(exc)}"
                yield _bad(uri, number + 1, records.offset, b"", "invalid_record", error)
                return
            number, offset = number + 1, records.offset  # the offset of the record just read
            try:
                item = _response(record, uri, number, offset, max_bytes, skipped)
            except Exception as exc:  # a truncated record, a broken chunked or gzip body
                error = str(exc) if isinstance(exc, _UnreadableError) else f"unreadable body: {_what(exc)}"
                url = record.rec_headers.get_header("WARC-Target-URI")
                yield _bad(uri, number, offset, _head(record), "invalid_record", error, url)
                return
            if item is not None:
                yield item


def _response(
    record: Any, uri: str, number: int, offset: int, max_bytes: int, skipped: Counter[str]
) -> Payload | BadRecord | None:
    """The payload of one record, a bad record, or None (counted in ``skipped``) when not an article."""
    if record.format != "warc":
        raise _UnreadableError(f"not a WARC record (read as {record.format!r}): is this a WARC file?")
    target = record.rec_headers.get_header("WARC-Target-URI")
    http = record.http_headers
    kind = record.rec_type if record.rec_type != "response" else _response_kind(http)
    if kind is not None:
        _drain(record)
        skipped[f"warc:{kind}"] += 1
        return None
    body = _read(record.content_stream(), max_bytes + 1)
    if len(body) > max_bytes:
        error = f"the response body is over {max_bytes} bytes (the record limit)"
        return _bad(uri, number, offset, _head(record, body), "payload_too_large", error, target)
    _drain(record)
    if not http.get_header("Content-Type") and not _sniff_html(body):
        skipped["warc:non_html"] += 1
        return None
    fields = {"url": target, "crawled": record.rec_headers.get_header("WARC-Date")}
    return record_payload(uri, f"record-{number}", body, "text/html", fields, _head(record, body))


def _response_kind(http: Any) -> str | None:
    """Why a response is not an article (``no_http``, ``http_status``, ``non_html``), or None."""
    if http is None:
        return "no_http"  # dns:, whois: and other non-HTTP captures
    if not str(http.get_statuscode() or "").startswith("2"):
        return "http_status"
    media = (http.get_header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media and media not in HTML_TYPES:
        return "non_html"
    return None


def _read(stream: Any, limit: int) -> bytes:
    """Read up to ``limit`` bytes of a stream (warcio's chunked/gzip decoding included)."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(min(READ_CHUNK, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _drain(record: Any) -> None:
    """Read the rest of a record; a record that ends before its Content-Length is a truncated file."""
    while record.raw_stream.read(READ_CHUNK):
        pass
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise _UnreadableError(f"the file ends {missing} bytes before the end of this record: truncated")


def _sniff_html(body: bytes) -> bool:
    """True for a body without a declared type that starts like an HTML document."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _head(record: Any, body: bytes = b"") -> bytes:
    """The record's WARC headers and the start of its body: the dead letter's payload."""
    headers: bytes = record.rec_headers.to_bytes()
    return (headers + body)[:KEEP_BYTES]


def _bad(
    uri: str, number: int, offset: int, data: bytes, reason: str, error: str, url: str | None = None
) -> BadRecord:
    where = f"record {number} at byte {offset}" if offset >= 0 else f"record {number}"
    return BadRecord(uri, f"record-{number}", data, Rejection(reason, f"{where}: {error}"), url)


def _what(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
