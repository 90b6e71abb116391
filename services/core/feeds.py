"""Reading RSS 2.0 and Atom feeds (``.xml``, ``.rss``, ``.atom``) with feedparser: one item a record.

An item's title, link, published time (else its updated time), the feed's title as the outlet and
the declared language (the item's ``xml:lang``, else the feed's) travel with its text: the content
when the item has one, else the summary. HTML text goes to the cleaner's HTML path, wrapped into a
minimal document (feed HTML is a fragment). A file that is not well-formed XML is a dead letter
(``invalid_file``) naming the line and column; whatever items feedparser's lenient parser still
recovered go on. An item without text is a dead letter (``no_text``) naming its position.
"""

from __future__ import annotations

import html
import json
import re
import time
import xml.sax
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]

from services.core.outcomes import Rejection
from services.core.records import BadRecord, ContentType, Payload, record_payload

MAX_FEED_BYTES = 64 * 1024 * 1024  # feedparser parses a file whole: larger feeds are refused
KEEP_BYTES = 64 * 1024
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TAG = re.compile(r"<[A-Za-z!/][^<>]*>")


def feed_records(path: Path, uri: str, max_bytes: int) -> Iterator[Payload | BadRecord]:
    """Yield a payload per item of an RSS or Atom file, or dead letters for a broken file or item."""
    size = path.stat().st_size
    if size > MAX_FEED_BYTES:
        with path.open("rb") as fh:
            head = fh.read(KEEP_BYTES)
        error = f"the feed file is {size} bytes; feeds are parsed whole, up to {MAX_FEED_BYTES}"
        yield BadRecord(uri, None, head, Rejection("payload_too_large", error))
        return
    data = path.read_bytes()
    parsed = feedparser.parse(data)  # bytes, never a URL: nothing is fetched
    entries: list[Any] = list(parsed.get("entries", []))
    problem = _malformed(parsed)
    if problem is not None:
        line, error = problem
        if entries:
            error += f"; feedparser's lenient parser recovered {len(entries)} items, sent on"
        yield BadRecord(uri, f"line-{line}", data[:KEEP_BYTES], Rejection("invalid_file", error))
    elif not entries and not parsed.get("version"):
        error = "not an RSS or Atom feed (no channel or feed element)"
        yield BadRecord(uri, None, data[:KEEP_BYTES], Rejection("invalid_file", error))
        return
    feed = parsed.get("feed", {})
    outlet = _plain(feed.get("title"), feed.get("title_detail"))
    for number, entry in enumerate(entries, start=1):
        yield _item(entry, uri, number, outlet, feed.get("language"), max_bytes)


def _malformed(parsed: Any) -> tuple[int, str] | None:
    """The line and a sentence when the file is not well-formed XML (encoding notices are not)."""
    exc = parsed.get("bozo_exception")
    if not parsed.get("bozo") or not isinstance(exc, xml.sax.SAXParseException):
        return None
    line, column = exc.getLineNumber() or 0, exc.getColumnNumber() or 0
    return line, f"not well-formed XML at line {line}, column {column}: {exc.getMessage()}"


def _item(
    entry: Any, uri: str, number: int, outlet: str | None, feed_language: str | None, max_bytes: int
) -> Payload | BadRecord:
    """The payload of one item (its fields through the shared record builder), or a bad record."""
    record_id = f"item-{number}"
    link = entry.get("link")
    url = link if isinstance(link, str) and link.startswith(("http://", "https://")) else None
    title = _plain(entry.get("title"), entry.get("title_detail"))
    original = json.dumps(
        {"title": title, "link": link, "id": entry.get("id"), "published": entry.get("published")},
        ensure_ascii=False,
    ).encode()
    detail = _text_detail(entry)
    if detail is None:
        error = f"item {number} ({url or title or 'untitled'}) has no summary or content: no text in the feed"
        return BadRecord(uri, record_id, original, Rejection("no_text", error), url)
    value, media, language = detail
    content_type: ContentType = "text/plain"
    if media in HTML_TYPES and _TAG.search(value):
        content_type = "text/html"
        value = _document(value, language or feed_language)
    text = value.encode("utf-8", "surrogatepass")
    if len(text) > max_bytes:
        error = f"item {number}: the text is {len(text)} bytes, over the {max_bytes}-byte record limit"
        return BadRecord(uri, record_id, text[:KEEP_BYTES], Rejection("payload_too_large", error), url)
    fields = {
        "title": title,
        "published": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
        "url": url,
        "outlet": outlet,
        "language": language or feed_language,
    }
    return record_payload(uri, record_id, text, content_type, fields, original)


def _text_detail(entry: Any) -> tuple[str, str, str | None] | None:
    """The item's text, its media type and language: the first non-empty content, else the summary."""
    candidates = [*(entry.get("content") or []), entry.get("summary_detail") or {}]
    for detail in candidates:
        value = detail.get("value") or ""
        if value.strip():
            return value, str(detail.get("type") or "text/plain"), detail.get("language") or None
    return None


def _plain(value: str | None, detail: Any) -> str | None:
    """A title as plain text (an HTML-typed title loses its tags)."""
    if not value:
        return None
    if detail and detail.get("type") in HTML_TYPES:
        value = html.unescape(_TAG.sub("", value))
    return " ".join(value.split()) or None


def _document(fragment: str, language: str | None) -> str:
    """An HTML fragment as a minimal document, so the page extractor takes even a short one."""
    lang = f' lang="{html.escape(language)}"' if language else ""
    head = '<head><meta charset="utf-8"></head>'
    return f"<!DOCTYPE html>\n<html{lang}>{head}<body><article>\n{fragment}\n</article></body></html>"


def _iso(parsed: time.struct_time | None) -> str | None:
    """feedparser's parsed date (UTC) as ISO 8601; an unparseable date is left out (lenient)."""
    if parsed is None:
        return None
    return datetime(*parsed[:6], tzinfo=UTC).isoformat()
