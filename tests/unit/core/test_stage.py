"""The stage runner: decode, call, and turn every failure into a dead letter."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from services.core.models import RawArticle, Source, Timestamps
from services.core.outcomes import Provenance, Rejection
from services.core.stage import Emit, Stage, decode, encode

NOW = datetime(2026, 1, 2, tzinfo=UTC)
PROV = Provenance(topic="articles.raw.v1", partition=2, offset=41)


def _raw(text: str = "hello") -> RawArticle:
    return RawArticle(
        article_id="a-1", source=Source(uri="x.txt"), text=text, timestamps=Timestamps(ingested=NOW)
    )


def _echo(raw: RawArticle, now: datetime) -> list[Emit] | Rejection:
    if raw.text == "reject me":
        return Rejection("empty_text", "nothing left")
    if raw.text == "boom":
        raise ValueError("kaboom")
    return [Emit("out", raw.article_id, raw)]


STAGE = Stage("echo", RawArticle, _echo)


def test_valid_message_passes_through() -> None:
    (emit,) = STAGE.handle(encode(_raw()), PROV, NOW)
    assert emit.route == "out" and emit.key == "a-1" and emit.outcome == "ok"


def test_invalid_json_goes_to_dlq_with_provenance() -> None:
    (emit,) = STAGE.handle(b"{not json", PROV, NOW)
    assert emit.route == "dlq" and emit.outcome == "dlq"
    record = emit.value
    assert record.model_dump()["reason"] == "invalid_json"
    assert record.model_dump()["source_offset"] == 41
    assert record.model_dump()["source_partition"] == 2
    assert record.model_dump()["payload"] == "{not json"


def test_schema_violation_names_the_field() -> None:
    (emit,) = STAGE.handle(b'{"article_id": "a"}', PROV, NOW)
    dumped = emit.value.model_dump()
    assert dumped["reason"] == "schema_violation"
    assert "source" in dumped["error"]


def test_empty_message_is_a_dead_letter() -> None:
    (emit,) = STAGE.handle(b"", PROV, NOW)
    assert emit.value.model_dump()["reason"] == "empty_message"


def test_rejection_keeps_article_id_and_source() -> None:
    (emit,) = STAGE.handle(encode(_raw("reject me")), PROV, NOW)
    dumped = emit.value.model_dump()
    assert dumped["reason"] == "empty_text"
    assert dumped["article_id"] == "a-1"
    assert dumped["source"]["uri"] == "x.txt"
    assert emit.key == "a-1"


def test_exception_in_stage_function_becomes_processing_error() -> None:
    (emit,) = STAGE.handle(encode(_raw("boom")), PROV, NOW)
    dumped = emit.value.model_dump()
    assert dumped["reason"] == "processing_error"
    assert "kaboom" in dumped["error"]


def test_binary_payload_is_kept_as_base64_and_truncated() -> None:
    stage = Stage("echo", RawArticle, _echo, dlq_max_bytes=300)
    payload = b"\xff\xfe" + bytes(range(256)) * 4
    (emit,) = stage.handle(payload, PROV, NOW)
    dumped = emit.value.model_dump()
    assert dumped["payload_encoding"] == "base64"
    assert dumped["payload_truncated"] is True
    assert base64.b64decode(dumped["payload"]) == payload[:300]


def test_decode_returns_model() -> None:
    decoded = decode(RawArticle, encode(_raw()))
    assert isinstance(decoded, RawArticle) and decoded.text == "hello"


def test_an_output_over_the_size_limit_becomes_a_dead_letter_with_the_input() -> None:
    payload = encode(_raw("x" * 5000))
    emits = STAGE.handle(payload, PROV, NOW)
    (small,) = STAGE.bounded(emits, payload, PROV, NOW, max_bytes=100_000)
    assert small[0].route == "out" and small[1] == encode(emits[0].value)
    ((emit, data),) = STAGE.bounded(emits, payload, PROV, NOW, max_bytes=4096)
    assert emit.route == "dlq" and len(data) < len(payload) + 4096
    letter = emit.value
    assert getattr(letter, "reason", None) == "output_too_large"
    assert getattr(letter, "article_id", None) == "a-1" and getattr(letter, "source_offset", None) == 41
    assert getattr(letter, "payload", "").startswith('{"schema_version"')


def test_handle_many_keeps_one_result_per_message_in_order() -> None:
    messages = [(encode(_raw("one")), PROV), (b"", PROV), (encode(_raw("boom")), PROV)]
    results = STAGE.handle_many(messages, NOW)
    assert [[e.route for e in r] for r in results] == [["out"], ["dlq"], ["dlq"]]
    assert getattr(results[2][0].value, "reason", None) == "processing_error"
