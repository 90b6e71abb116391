"""Reading article files into raw events."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from services.cleaner.logic import clean
from services.core.ingest import (
    BadRecord,
    Payload,
    find_files,
    new_article_id,
    read_payloads,
    to_raw,
)
from tests.conftest import DATA, SEEDS

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_seeds_directory_yields_one_payload_per_file() -> None:
    payloads = list(read_payloads([SEEDS]))
    assert len(payloads) == len(find_files([SEEDS])) == 5
    assert all(isinstance(p, Payload) and p.content_type == "text/plain" for p in payloads)
    assert payloads[0].uri == "000_31c98fa0c6d8e29d.txt"


def test_jsonl_records_keep_id_and_source_and_bad_lines_become_bad_records() -> None:
    items = list(read_payloads([DATA / "ingest" / "records.jsonl"]))
    good = [i for i in items if isinstance(i, Payload)]
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert [g.record_id for g in good] == ["wire-1", "line-2", "wire-2"]
    assert good[0].uri == "https://example.org/wire/1"
    assert good[1].uri == "records.jsonl"
    assert good[2].content_type == "text/html"
    assert [b.record_id for b in bad] == ["line-3", "line-4"]
    assert {b.rejection.reason for b in bad} == {"invalid_record"}


def test_html_suffix_sets_content_type() -> None:
    (item,) = read_payloads([DATA / "ingest" / "page.html"])
    assert isinstance(item, Payload) and item.content_type == "text/html"


def test_invalid_utf8_travels_as_base64_and_round_trips() -> None:
    (item,) = read_payloads([DATA / "ingest" / "image.bin.txt"])
    assert isinstance(item, Payload)
    raw = to_raw(item, "x-1", NOW)
    assert raw.encoding == "base64"
    assert base64.b64decode(raw.text) == item.data


def test_article_ids_are_new_per_ingestion_and_name_their_source() -> None:
    first = new_article_id("seeds/000_31c98fa0c6d8e29d.txt")
    second = new_article_id("seeds/000_31c98fa0c6d8e29d.txt")
    assert first != second
    assert first.startswith("000_31c98fa0c6d8e29d-")
    assert new_article_id("https://example.org/a b", "wire-1").startswith("a_b-wire-1-")


def test_raw_event_carries_source_and_ingest_time() -> None:
    (item, *_) = read_payloads([SEEDS])
    assert isinstance(item, Payload)
    raw = to_raw(item, "id-1", NOW)
    assert raw.article_id == "id-1"
    assert raw.source.uri == item.uri and raw.source.part == 1
    assert raw.timestamps.ingested == NOW
    assert raw.text.startswith("In a recent development")


def test_structured_records_carry_title_date_url_outlet_language_into_clean_articles() -> None:
    folder = DATA / "ingest" / "structured"
    expected = json.loads((folder / "expected.json").read_text())
    items = {i.record_id: i for i in read_payloads([folder / "feed.jsonl"])}
    assert set(items) == set(expected)
    for record_id, want in expected.items():
        item = items[record_id]
        if isinstance(want, str):
            assert isinstance(item, BadRecord) and item.rejection.reason == want, record_id
            continue
        assert isinstance(item, Payload), record_id
        raw = to_raw(item, f"id-{record_id}", NOW)
        cleaned = clean(raw, now=NOW)
        assert isinstance(cleaned, list), cleaned
        article = cleaned[0]
        got = {
            "title": raw.title,
            "published": raw.published.isoformat() if raw.published else None,
            "url": article.source.url,
            "outlet": article.source.outlet,
            "language": article.source.language,
        }
        assert got == want, record_id
        if want["title"]:  # the record's title and date win over what the text suggests
            assert article.title == want["title"]
            assert article.published == raw.published
