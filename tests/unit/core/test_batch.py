"""Batch handling in a stage: the batch function for valid messages, item by item if it fails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from services.core.models import RawArticle, Source, Timestamps
from services.core.outcomes import Provenance, Rejection
from services.core.stage import Emit, Stage, encode

NOW = datetime(2026, 1, 2, tzinfo=UTC)


def _raw(article_id: str, text: str) -> bytes:
    event = RawArticle(
        article_id=article_id, source=Source(uri="x.txt"), text=text, timestamps=Timestamps(ingested=NOW)
    )
    return encode(event)


def _one(raw: RawArticle, now: datetime) -> Sequence[Emit] | Rejection:
    if raw.text == "bad":
        return Rejection("empty_text", "bad text")
    return [Emit("out", raw.article_id, raw)]


def test_batch_function_gets_the_valid_items_once() -> None:
    calls: list[int] = []

    def batch(items: list[RawArticle], now: datetime) -> list[Sequence[Emit] | Rejection]:
        calls.append(len(items))
        return [_one(item, now) for item in items]

    stage = Stage("s", RawArticle, _one, batch_fn=batch)
    messages = [
        (_raw("a", "ok"), Provenance("t", 0, 1)),
        (b"{nope", Provenance("t", 0, 2)),
        (_raw("b", "bad"), Provenance("t", 1, 3)),
        (_raw("c", "ok"), Provenance("t", 1, 4)),
    ]
    emits = stage.handle_batch(messages, NOW)
    assert calls == [3], "one call for the three decodable messages"
    assert sorted(e.key for e in emits if e.route == "out") == ["a", "c"]
    letters = [e.value.model_dump() for e in emits if e.route == "dlq"]
    assert sorted(d["reason"] for d in letters) == ["empty_text", "invalid_json"]
    assert {d["source_offset"] for d in letters} == {2, 3}


def test_failing_batch_falls_back_to_one_by_one() -> None:
    def batch(items: list[RawArticle], now: datetime) -> list[Sequence[Emit] | Rejection]:
        raise RuntimeError("model crashed")

    stage = Stage("s", RawArticle, _one, batch_fn=batch)
    emits = stage.handle_batch([(_raw("a", "ok"), Provenance()), (_raw("b", "bad"), Provenance())], NOW)
    assert [(e.route, e.key) for e in emits] == [("out", "a"), ("dlq", "b")]
