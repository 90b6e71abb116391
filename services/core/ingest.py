"""Reading article files into raw events: shared by the replay producer and the offline path."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from services.core.models import DeadLetter, RawArticle, Source, Timestamps
from services.core.outcomes import Provenance, Rejection
from services.core.stage import dead_letter

SUFFIXES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html", ".jsonl": "jsonl"}
ContentType = Literal["text/plain", "text/html", "application/octet-stream"]


@dataclass(frozen=True)
class Payload:
    """One article payload found in a file: where it came from and its bytes."""

    uri: str
    record_id: str | None
    data: bytes
    content_type: ContentType
    meta: RecordMeta | None = None


@dataclass(frozen=True)
class RecordMeta:
    """What a structured record says about its article (feeds, crawls, JSON lines)."""

    title: str | None = None
    published: datetime | None = None
    url: str | None = None
    outlet: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read (e.g. a broken .jsonl line), kept for the DLQ."""

    uri: str
    record_id: str | None
    data: bytes
    rejection: Rejection


def dead_letter_of(bad: BadRecord, now: datetime, max_bytes: int = 64 * 1024) -> DeadLetter:
    """The dead letter of an unreadable record, with its file and record id."""
    source = Source(uri=bad.uri, record_id=bad.record_id)
    return dead_letter(
        "replay", bad.rejection, bad.data, Provenance(), now, source=source, max_bytes=max_bytes
    )


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Return the article files under the given files and directories, sorted, recursively."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
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


def read_payloads(paths: Iterable[Path]) -> Iterator[Payload | BadRecord]:
    """Yield every payload of the given files; .jsonl files yield one per record line."""
    roots = list(paths)
    for path in find_files(roots):
        uri = _uri(path, roots)
        kind = SUFFIXES.get(path.suffix.lower(), "text/plain")
        data = path.read_bytes()
        if kind == "jsonl":
            yield from _jsonl_records(uri, data)
        else:
            yield Payload(uri, None, data, "text/html" if kind == "text/html" else "text/plain")


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
        meta = record_meta(record)
        if isinstance(meta, Rejection):
            yield BadRecord(uri, record_id, line, meta)
            continue
        source = str(record.get("source") or uri)
        text: str = record["text"]
        content_type: ContentType = "text/html" if record.get("content_type") == "text/html" else "text/plain"
        yield Payload(source, record_id, text.encode("utf-8", "surrogatepass"), content_type, meta)


META_FIELDS = ("title", "url", "outlet", "language")


def record_meta(record: dict[str, object]) -> RecordMeta | Rejection:
    """The optional ``title``, ``published`` (ISO 8601), ``url``, ``outlet``, ``language`` of a record."""
    wrong = [
        f for f in (*META_FIELDS, "published") if record.get(f) is not None and not isinstance(record[f], str)
    ]
    if wrong:
        return Rejection("invalid_record", f"fields {wrong} must be strings")
    texts = {f: str(record[f]).strip() or None if record.get(f) is not None else None for f in META_FIELDS}
    published: datetime | None = None
    if record.get("published"):
        try:
            published = datetime.fromisoformat(str(record["published"]).replace("Z", "+00:00"))
        except ValueError:
            return Rejection("invalid_record", f"published {str(record['published'])[:40]!r} is not ISO 8601")
        published = published.astimezone(UTC) if published.tzinfo else published.replace(tzinfo=UTC)
    if not any(texts.values()) and published is None:
        return RecordMeta()
    return RecordMeta(published=published, **texts)


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
        ),
        title=meta.title,
        published=meta.published,
        content_type=payload.content_type,
        encoding="utf-8" if encoding == "utf-8" else "base64",
        text=text,
        timestamps=Timestamps(ingested=now),
    )
