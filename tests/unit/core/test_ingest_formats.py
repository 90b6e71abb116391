"""WARC crawls and RSS/Atom feeds: read record by record onto the structured fields, offline end to end.

The expected outcome of every record is in tests/data/ingest/formats_expected.json; the broker's
test (tests/integration/test_replay_formats.py) checks the same manifest.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections import Counter
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

from services.core.ingest import BadRecord, Payload, RecordMeta, file_kind, read_payloads, to_raw
from services.core.models import DeadLetter, EnrichedArticle
from services.offline import OfflinePipeline, process
from tests.conftest import DATA

INGEST = DATA / "ingest"
MANIFEST: dict[str, Any] = json.loads((INGEST / "formats_expected.json").read_text(encoding="utf-8"))
ROOTS = [INGEST / name for name in MANIFEST["roots"]]
NOW = datetime.fromisoformat("2026-01-02T03:04:05+00:00")


def key(uri: str, record_id: str | None) -> str:
    """The manifest's key of a record: ``<file>#<record id>``."""
    return f"{uri}#{record_id or ''}"


def article_fields(article: EnrichedArticle) -> dict[str, Any]:
    """What the manifest says about an enriched article."""
    return {
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "url": article.source.url,
        "outlet": article.source.outlet,
        "language": article.source.language,
        "detected": article.language.code if article.language else None,
    }


def expected_article(name: str) -> dict[str, Any]:
    """The manifest's article fields (without the reader-only ``crawled``)."""
    return {k: v for k, v in MANIFEST["articles"][name].items() if k != "crawled"}


def letter_problems(name: str, letter: DeadLetter) -> list[str]:
    """How a dead letter differs from the manifest's (stage replay, reason, pieces of the error)."""
    want = MANIFEST["dead_letters"][name]
    problems = [] if (letter.stage, letter.reason) == ("replay", want["reason"]) else [f"{letter.reason}"]
    problems += [f"error lacks {piece!r}" for piece in want["error"] if piece not in letter.error]
    return [f"{name}: {p} ({letter.error})" for p in problems]


def _items(*names: str, **options: Any) -> dict[str, Payload | BadRecord]:
    return {key(i.uri, i.record_id): i for i in read_payloads(ROOTS, **options) if i.uri in names}


def test_suffixes_choose_the_reader() -> None:
    names = ("a.warc", "b.WARC.GZ", "c.xml", "d.rss", "e.atom", "f.gz", "g.jsonl")
    kinds = [file_kind(Path(n)) for n in names]
    assert kinds == ["warc", "warc", "feed", "feed", "feed", None, "jsonl"]


def test_warc_html_responses_keep_target_uri_and_crawl_date_and_the_rest_is_counted() -> None:
    skipped: Counter[str] = Counter()
    items = {
        key(i.uri, i.record_id): i
        for i in read_payloads([INGEST / "warc"], skipped=skipped)  # news.warc.gz and plain.warc
    }
    warc = {
        k: v for k, v in MANIFEST["articles"].items() if k.split("#")[0] in {"news.warc.gz", "plain.warc"}
    }
    assert set(items) == set(warc)
    for name, want in warc.items():
        item = items[name]
        assert isinstance(item, Payload) and item.content_type == "text/html", name
        assert item.meta is not None and item.meta.url == want["url"], name
        assert item.meta.crawled is not None and item.meta.crawled.isoformat() == want["crawled"], name
        assert item.meta.published is None and item.meta.title is None, "the page's own date and title win"
        raw = to_raw(item, "x", NOW)
        assert raw.source.crawled == item.meta.crawled and raw.source.url == want["url"], name
    chunked = items["news.warc.gz#record-2"].data  # chunked + gzip on the wire: decoded by warcio
    assert chunked.startswith(b"<!DOCTYPE html>") and b"collapsed during a storm" in chunked
    assert chunked.rstrip().endswith(b"</html>")
    legacy = items["news.warc.gz#record-8"]  # windows-1252 bytes go as they are: base64, the cleaner decodes
    assert isinstance(legacy, Payload) and to_raw(legacy, "x", NOW).encoding == "base64"
    kinds = {"request": 7, "metadata": 4, "warcinfo": 2, "non_html": 2, "http_status": 1, "revisit": 1}
    assert skipped == Counter({f"warc:{kind}": n for kind, n in kinds.items()})


def test_a_warc_record_over_the_limit_is_a_dead_letter_and_the_next_records_are_read() -> None:
    items = _items("news.warc.gz", max_record_bytes=1240)
    big = items["news.warc.gz#record-5"]  # 1256 bytes of HTML
    assert isinstance(big, BadRecord) and big.rejection.reason == "payload_too_large"
    assert "record 5 at byte " in big.rejection.error and big.url and big.url.endswith("eroeffnet")
    assert big.data.startswith(b"WARC/1.0\r\n"), "the dead letter shows the record's WARC headers"
    assert isinstance(items["news.warc.gz#record-2"], Payload)
    assert isinstance(items["news.warc.gz#record-8"], Payload), "the reader goes on after it"


def test_broken_warc_files_are_dead_letters_with_the_record_number_and_offset() -> None:
    items = _items("truncated.warc.gz", "not_a_warc.warc")
    assert isinstance(items["truncated.warc.gz#record-2"], Payload), "records before the cut go on"
    for name in ("truncated.warc.gz#record-4", "not_a_warc.warc#record-1"):
        bad = items[name]
        assert isinstance(bad, BadRecord) and bad.rejection.reason == MANIFEST["dead_letters"][name]["reason"]
        assert all(piece in bad.rejection.error for piece in MANIFEST["dead_letters"][name]["error"])
    assert len(items) == 3


def test_a_warc_gzipped_as_one_stream_is_a_dead_letter_that_says_how_to_fix_it(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"  # `gzip plain.warc`: not one gzip member per record
    whole.write_bytes(gzip.compress((INGEST / "warc" / "plain.warc").read_bytes(), mtime=0))
    items = list(read_payloads([whole]))
    assert [type(i).__name__ for i in items] == ["BadRecord"]
    bad = items[0]
    assert (
        isinstance(bad, BadRecord)
        and bad.record_id == "record-2"
        and "warcio recompress" in bad.rejection.error
    )


def test_feed_items_map_onto_the_structured_fields() -> None:
    feeds = {k: v for k, v in MANIFEST["articles"].items() if not k.split("#")[0].endswith(("warc", ".gz"))}
    items = _items(*{k.split("#")[0] for k in feeds})
    for name, want in feeds.items():
        item = items[name]
        assert isinstance(item, Payload) and item.meta is not None, name
        got = {
            "title": item.meta.title,
            "published": item.meta.published.isoformat() if item.meta.published else None,
            "url": item.meta.url,
            "outlet": item.meta.outlet,
            "language": item.meta.language,
        }
        assert got == {k: want[k] for k in got}, name


def test_content_wins_over_summary_and_html_goes_to_the_html_path() -> None:
    items = _items("world.rss", "tech.atom", "nachrichten.xml")
    glacier = items["world.rss#item-1"]  # description and content:encoded: the content wins
    assert isinstance(glacier, Payload) and glacier.content_type == "text/html"
    assert b"eighty glaciers" in glacier.data and glacier.data.startswith(b"<!DOCTYPE html>")
    plain = items["world.rss#item-3"]  # a description without markup stays plain text
    assert isinstance(plain, Payload) and plain.content_type == "text/plain"
    xhtml = items["tech.atom#item-2"]
    assert isinstance(xhtml, Payload) and xhtml.content_type == "text/html" and b"<p>" in xhtml.data
    battery = items["tech.atom#item-1"]
    assert isinstance(battery, Payload) and b"trackView" not in battery.data, "feedparser drops scripts"
    latin1 = items["nachrichten.xml#item-1"]  # an ISO-8859-1 feed: the text travels as UTF-8
    assert isinstance(latin1, Payload) and latin1.meta is not None
    assert latin1.meta.title == "Stadtbibliothek verlängert Öffnungszeiten"
    assert "öffnet ab dem ersten April".encode() in latin1.data


def test_a_feed_item_and_a_jsonl_record_with_the_same_fields_make_the_same_raw_event(tmp_path: Path) -> None:
    item = _items("world.rss")["world.rss#item-3"]
    assert isinstance(item, Payload) and item.meta is not None
    record = {
        "id": "item-3",
        "text": item.data.decode(),
        "title": item.meta.title,
        "published": item.meta.published.isoformat() if item.meta.published else None,
        "url": item.meta.url,
        "outlet": item.meta.outlet,
        "language": item.meta.language,
    }
    (tmp_path / "world.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (line,) = read_payloads([tmp_path])
    assert isinstance(line, Payload) and line.meta == item.meta and line.meta != RecordMeta()
    feed_raw, line_raw = to_raw(item, "a-1", NOW), to_raw(line, "a-1", NOW)
    assert feed_raw.model_dump(exclude={"source"}) == line_raw.model_dump(exclude={"source"})
    assert feed_raw.source.model_dump(exclude={"uri"}) == line_raw.source.model_dump(exclude={"uri"})


def test_every_record_of_every_format_comes_out_offline_as_the_manifest_says(tmp_path: Path) -> None:
    out, dlq = tmp_path / "out.jsonl", tmp_path / "dlq.jsonl"
    summary = process(ROOTS, out, dlq, OfflinePipeline(embedding_backend="none"))
    articles = [EnrichedArticle.model_validate_json(x) for x in out.read_text(encoding="utf-8").splitlines()]
    letters = [DeadLetter.model_validate_json(x) for x in dlq.read_text(encoding="utf-8").splitlines()]
    got = {key(a.source.uri, a.source.record_id): article_fields(a) for a in articles}
    assert len(got) == len(articles), "one article per record"
    assert got == {name: expected_article(name) for name in MANIFEST["articles"]}
    by_key = {key(d.source.uri, d.source.record_id): d for d in letters if d.source}
    assert set(by_key) == set(MANIFEST["dead_letters"]) and len(letters) == len(by_key)
    assert [p for name, letter in by_key.items() for p in letter_problems(name, letter)] == []
    assert dict(summary.skipped) == MANIFEST["skipped"]
    assert summary.payloads == len(MANIFEST["articles"]) + len(MANIFEST["dead_letters"])


def big_warc(path: Path, records: int, body_bytes: int) -> None:
    """An uncompressed WARC of ``records`` HTML responses of ``body_bytes`` each."""
    paragraph = b"<p>" + b"The council met again on Tuesday to discuss the harbour. " * 20 + b"</p>\n"
    body = (
        b"<!DOCTYPE html><html><body><article>" + paragraph * (body_bytes // len(paragraph)) + b"</article>"
    )
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for n in range(records):
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            uri = f"https://news.example.org/big/{n}"
            writer.write_record(
                writer.create_warc_record(
                    uri, "response", payload=BytesIO(body), length=len(body), http_headers=http
                )
            )


@pytest.mark.timeout(120)
def test_a_large_warc_streams_record_by_record_within_a_small_memory_budget(tmp_path: Path) -> None:
    path = tmp_path / "big.warc"
    big_warc(path, records=120, body_bytes=256 * 1024)  # ~31 MB on disk
    assert path.stat().st_size > 30_000_000
    tracemalloc.start()
    try:
        count = sum(1 for item in read_payloads([path]) if isinstance(item, Payload))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 120
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes: the reader must not hold the file"
