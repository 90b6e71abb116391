"""Choosing dead letters and restoring their original payloads."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from services.core.models import DeadLetter
from services.dlq.select import (
    Filter,
    Letter,
    counts,
    original,
    parse_since,
    preview,
    replay_key,
    why_not_replayable,
)

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _letter(stage: str = "cleaner", reason: str = "empty_text", **kw: object) -> Letter:
    fields: dict[str, object] = {
        "stage": stage,
        "reason": reason,
        "error": "e",
        "payload": "x",
        "source_topic": "articles.raw.v1",
        "at": NOW,
        **kw,
    }
    return Letter(0, 7, DeadLetter.model_validate(fields))


def test_since_takes_an_age_or_a_time() -> None:
    assert parse_since("90m", NOW) == NOW - timedelta(minutes=90)
    assert parse_since("2d", NOW) == NOW - timedelta(days=2)
    assert parse_since("2026-05-01T10:00:00", NOW) == datetime(2026, 5, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="isoformat"):
        parse_since("yesterday-ish", NOW)


def test_filter_matches_stage_reason_and_age() -> None:
    old = _letter(at=NOW - timedelta(days=3))
    assert Filter(stage="cleaner")(old) and not Filter(stage="tagger")(old)
    assert Filter(reason="empty_text")(old) and not Filter(reason="invalid_json")(old)
    assert not Filter(since=NOW - timedelta(days=1))(old) and Filter(since=NOW - timedelta(days=4))(old)
    tally = counts([old, _letter(), _letter(reason="x")])
    assert tally == {("cleaner", "empty_text"): 2, ("cleaner", "x"): 1}


def test_original_payload_is_restored_or_refused() -> None:
    blob = bytes(range(256))
    binary = _letter(payload=base64.b64encode(blob).decode(), payload_encoding="base64").record
    assert original(binary) == blob and why_not_replayable(binary) is None
    cut = _letter(payload_truncated=True).record
    assert original(cut) is None and why_not_replayable(cut) == "payload_truncated"
    assert why_not_replayable(_letter(source_topic=None).record) == "no_source_topic"
    assert preview(_letter(payload="a\n\n b " * 50).record, width=10) == "a b a b a …"


def test_replayed_raw_messages_keep_their_source_partition_key() -> None:
    """A raw message goes back under the replay producer's key (its source), others under their id."""
    source = {"uri": "feeds/a.jsonl", "url": "https://News.example.com/x", "outlet": None}
    raw = _letter(source=source, article_id="a1").record
    assert replay_key(raw, "articles.raw.v1") == b"host:news.example.com"
    hop = _letter(source=source, article_id="a1", source_topic="articles.clean.v1").record
    assert replay_key(hop, "articles.raw.v1") == b"a1"
    assert replay_key(_letter(source_topic="articles.clean.v1").record, "articles.raw.v1") is None
