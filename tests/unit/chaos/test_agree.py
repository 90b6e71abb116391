"""Streaming vs offline verdicts: per-article statuses, agreement rate, disagreements."""

from __future__ import annotations

from services.chaos.agree import agreement, by_kind, statuses
from services.chaos.verify import Out


def _out(article_id: str, status: str, topic: str = "enriched") -> Out:
    return Out(topic, {"article_id": article_id, "duplicate": {"status": status}})


def test_statuses_take_the_first_record_and_dead_letters_are_dlq() -> None:
    outs = [
        _out("a", "unique"),
        _out("a", "near"),
        _out("b", "exact", "duplicates"),
        Out("dlq", {"article_id": "c", "stage": "tagger"}),
        Out("dlq", {"stage": "cleaner"}),
    ]
    assert statuses(outs) == {"a": "unique", "b": "exact", "c": "dlq"}


def test_agreement_rate_matrix_and_disagreements() -> None:
    stream = {"a": "unique", "b": "exact", "c.p1": "unique", "d": "near"}
    offline = {"a": "unique", "b": "exact", "c.p1": "same_story", "e": "unique"}
    result = agreement(
        stream, offline, {"a": "unique", "b": "exact", "c": "near", "d": "near", "e": "unique"}
    )
    assert (result.compared, result.agreed, result.rate) == (5, 2, 0.4)
    assert result.matrix == {
        "unique->unique": 1,
        "exact->exact": 1,
        "unique->same_story": 1,
        "near->missing": 1,
        "missing->unique": 1,
    }
    first = result.disagreements[0]
    assert first == {
        "article_id": "c.p1",
        "stream": "unique",
        "offline": "same_story",
        "generated_as": "near",
    }
    assert result.to_json()["disagreements"] == 3


def test_empty_agreement_has_no_rate() -> None:
    assert agreement({}, {}).rate is None


def test_by_kind() -> None:
    table = by_kind(
        {"a": "unique", "b": "exact", "b2": "near", "x": "unique"},
        {"a": "unique", "b": "exact", "b2": "exact"},
        ["a", "b", "b2"],
    )
    assert table == {"exact": {"exact": 1, "near": 1}, "unique": {"unique": 1}}
