"""Reading article files into raw events: shared by the replay producer and the offline path.

One reader per format, chosen by the file name: ``.txt``/``.html`` (one payload), ``.jsonl``
(one record a line), ``.warc``/``.warc.gz`` (:mod:`services.core.warc`, one HTML response a
record, streamed) and ``.xml``/``.rss``/``.atom`` (:mod:`services.core.feeds`, one item a record).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from services.core.feeds import feed_records
from services.core.models import DeadLetter, RawArticle, Source, Timestamps
from services.core.outcomes import Provenance, Rejection
from services.core.records import (
    DEFAULT_MAX_RECORD_BYTES,
    BadRecord,
    ContentType,
    Payload,
    RecordMeta,
    record_meta,
    record_payload,
)
from services.core.stage import dead_letter
from services.core.warc import warc_records

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "BadRecord",
    "ContentType",
    "Payload",
    "RecordMeta",
    "dead_letter_of",
    "describe_skipped",
    "file_kind",
    "find_files",
    "new_article_id",
    "read_payloads",
    "record_meta",
    "record_payload",
    "to_raw",
]

SUFFIXES = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".jsonl": "jsonl",
    ".warc": "warc",
    ".warc.gz": "warc",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}


def file_kind(path: Path) -> str | None:
    """The reader a file name asks for (``text/plain``, ``text/html``, ``jsonl``, ``warc``, ``feed``)."""
    if path.name.lower().endswith(".warc.gz"):
        return SUFFIXES[".warc.gz"]
    return SUFFIXES.get(path.suffix.lower())


def describe_skipped(skipped: Counter[str]) -> str:
    """``; skipped N records that are not articles (kind n, ...)``, or nothing when none were."""
    if not skipped:
        return ""
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(skipped.items()))
    return f"; skipped {sum(skipped.values())} records that are not articles ({kinds})"


def dead_letter_of(bad: BadRecord, now: datetime, max_bytes: int = 64 * 1024) -> DeadLetter:
    """The dead letter of an unreadable record, with its file, record position and URL when known."""
    source = Source(uri=bad.uri, record_id=bad.record_id, url=bad.url)
    return dead_letter(
        "replay", bad.rejection, bad.data, Provenance(), now, source=source, max_bytes=max_bytes
    )


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Return the article files under the given files and directories, sorted, recursively."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and file_kind(p) is not None)
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return sorted(found)


def _uri(path: Path, roots: Iterable[Path]) -> str:
    for root in roots:
        if root.is_dir():
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name


def read_payloads(
    paths: Iterable[Path],
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    skipped: Counter[str] | None = None,
) -> Iterator[Payload | BadRecord]:
    """Yield every payload of the given files, file by file, record by record (streamed).

    A WARC response or a feed file over ``max_record_bytes`` is not read whole: it becomes a
    ``payload_too_large`` bad record. WARC records that are not articles (requests, metadata,
    non-HTML or non-2xx responses) are counted in ``skipped`` by kind.
    """
    roots = list(paths)
    for path in find_files(roots):
        uri = _uri(path, roots)
        kind = file_kind(path) or "text/plain"
        if kind == "warc":
            counts = skipped if skipped is not None else Counter()
            yield from warc_records(path, uri, max_record_bytes, counts)
        elif kind == "feed":
            yield from feed_records(path, uri, max_record_bytes)
        elif kind == "jsonl":
            yield from _jsonl_records(uri, path.read_bytes())
        else:
            yield Payload(uri, None, path.read_bytes(), "text/html" if kind == "text/html" else "text/plain")


def _jsonl_records(uri: str, data: bytes) -> Iterator[Payload | BadRecord]:
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError('a record must be an object with a string "text"')
        except ValueError as exc:
            yield BadRecord(uri, f"line-{number}", line, Rejection("invalid_record", str(exc)))
            continue
        record_id = str(record["id"]) if record.get("id") is not None else f"line-{number}"
        text: str = record["text"]
        content_type: ContentType = "text/html" if record.get("content_type") == "text/html" else "text/plain"
        fields = {k: v for k, v in record.items() if k != "crawled"}  # crawled: WARC's, not a .jsonl field
        data = text.encode("utf-8", "surrogatepass")
        source = str(record.get("source") or uri)
        yield record_payload(uri, record_id, data, content_type, fields, line, source=source)


_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def new_article_id(uri: str, record_id: str | None = None) -> str:
    """Return a fresh id for one ingestion: the file (and record) name plus a random suffix."""
    stem = Path(uri).stem
    name = f"{stem}-{record_id}" if record_id else stem
    slug = _SLUG.sub("_", name).strip("_")[:80] or "article"
    return f"{slug}-{uuid.uuid4().hex[:16]}"


def to_raw(payload: Payload, article_id: str, now: datetime) -> RawArticle:
    """Build the raw event of a payload; bytes that are not UTF-8 travel as base64."""
    try:
        text, encoding = payload.data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(payload.data).decode("ascii"), "base64"
    meta = payload.meta or RecordMeta()
    return RawArticle(
        article_id=article_id,
        source=Source(
            uri=payload.uri,
            record_id=payload.record_id,
            url=meta.url,
            outlet=meta.outlet,
            language=meta.language,
            crawled=meta.crawled,
        ),
        title=meta.title,
        published=meta.published,
        content_type=payload.content_type,
        encoding="utf-8" if encoding == "utf-8" else "base64",
        text=text,
        timestamps=Timestamps(ingested=now),
    )
