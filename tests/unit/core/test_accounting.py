"""Accounting: knowing when every replayed article came out (enriched, duplicate or dead letter)."""

from __future__ import annotations

from typing import Any

from services.core.consume import Record
from services.supervise import Accounting


def _rec(value: dict[str, Any]) -> Record:
    return Record("t", 0, 0, value.get("article_id"), value)


def _event(article_id: str, parts: int = 1) -> dict[str, Any]:
    return {"article_id": article_id, "source": {"uri": "x", "parts": parts}}


def test_single_part_articles_complete_when_each_came_out() -> None:
    acc = Accounting(raw_ids={"a", "b"})
    assert not acc.complete([_rec(_event("a"))])
    assert acc.missing() == {"b"}
    assert acc.complete([_rec(_event("a")), _rec(_event("b"))])


def test_split_article_needs_every_part() -> None:
    acc = Accounting(raw_ids={"a"})
    records = [_rec(_event("a.p1", parts=2))]
    assert not acc.complete(records)
    records.append(_rec(_event("a.p2", parts=2)))
    assert acc.complete(records)


def test_cleaner_dead_letter_accounts_for_the_whole_payload() -> None:
    acc = Accounting(raw_ids={"a"})
    letter = {"article_id": "a", "stage": "cleaner", "reason": "empty_text", "source": None}
    assert acc.complete([_rec(letter)])


def test_later_stage_dead_letter_accounts_for_one_part() -> None:
    acc = Accounting(raw_ids={"a"})
    letter = {
        "article_id": "a.p1",
        "stage": "tagger",
        "reason": "processing_error",
        "source": {"uri": "x", "parts": 2},
    }
    assert not acc.complete([_rec(letter)])
    assert acc.complete([_rec(letter), _rec(_event("a.p2", parts=2))])


def test_foreign_records_are_ignored() -> None:
    acc = Accounting(raw_ids={"a"})
    assert not acc.complete([_rec(_event("zzz")), _rec({"no": "id"}), Record("t", 0, 1, None, "text")])
    assert acc.missing() == {"a"}
