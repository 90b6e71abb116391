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
