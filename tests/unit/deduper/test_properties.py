"""Property tests (Hypothesis) of the deduper: the stage never raises; the signature is deterministic."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.models import (
    DeadLetter,
    EnrichedArticle,
    Entity,
    Language,
    Source,
    TaggedArticle,
    Timestamps,
)
from services.core.outcomes import Provenance
from services.deduper.partitioned import PartitionedDeduper
from services.deduper.stage import build_stage

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORDS = st.sampled_from(
    ["the", "council", "harbour", "Berlin", "budget", "ferry", "Die", "Gemeinde", "7", "."]
)
TEXT = st.one_of(
    st.text(min_size=1, max_size=400),
    st.lists(st.one_of(WORDS, st.text(max_size=10)), min_size=1, max_size=120).map(" ".join),
).filter(str.strip)
ENTITIES = st.lists(
    st.builds(
        Entity,
        id=st.text(min_size=1, max_size=12),
        name=st.text(min_size=1, max_size=20),
        type=st.sampled_from(["person", "organization", "place", "other"]),
    ),
    max_size=5,
)


def _article(text: str, **extra: Any) -> TaggedArticle:
    return TaggedArticle(
        article_id=extra.pop("article_id", "prop"),
        parent_id="raw-prop",
        source=Source(uri="prop.txt"),
        text=text,
        timestamps=Timestamps(ingested=extra.pop("at", NOW)),
        **extra,
    )


def _plain(signature: object) -> dict[str, Any]:
    """A signature as comparable values (arrays as lists)."""
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in asdict(signature).items()}  # type: ignore[call-overload]


@FAST
@given(
    text=TEXT,
    title=st.one_of(st.none(), st.text(max_size=60)),
    entities=ENTITIES,
    language=st.one_of(st.none(), st.sampled_from(["en", "de", "ka", "sr", "xx"])),
    embedding=st.one_of(st.none(), st.lists(st.floats(-1, 1, width=32), min_size=8, max_size=8)),
    offset_days=st.integers(-40_000, 40_000),
)
def test_the_signature_is_deterministic(
    text: str,
    title: str | None,
    entities: list[Entity],
    language: str | None,
    embedding: list[float] | None,
    offset_days: int,
) -> None:
    """The same article gives the same signature, twice and on another deduper with other state."""
    article = _article(
        text,
        title=title,
        entities=entities,
        language=Language(code=language, confidence=0.9) if language else None,
        embedding=embedding,
        at=NOW + timedelta(days=offset_days),
    )
    busy = PartitionedDeduper({}, 4)
    busy.process(
        _article("Other text about the harbour council and its budget.", article_id="other"), now=NOW
    )
    first = _plain(PartitionedDeduper({}, 1).signature(article))
    assert _plain(PartitionedDeduper({}, 1).signature(article)) == first
    assert _plain(busy.signature(article)) == first
    copy = TaggedArticle.model_validate_json(article.model_dump_json())
    assert _plain(busy.signature(copy)) == first, (
        "a redelivered (re-decoded) article gives the same signature"
    )


STAGE = build_stage(PartitionedDeduper({}, 1), forward_exact=True)


@FAST
@given(text=TEXT, offset_days=st.integers(-40_000, 40_000))
def test_any_tagged_article_gets_a_verdict(text: str, offset_days: int) -> None:
    """Any text at any ingestion time: an enriched article (never a processing_error)."""
    emits = STAGE.run(_article(text, at=NOW + timedelta(days=offset_days)), Provenance(), NOW)
    assert emits
    for emit in emits:
        assert isinstance(emit.value, EnrichedArticle), getattr(emit.value, "error", emit.value)
        assert emit.route in ("out", "duplicates")


@FAST
@given(payload=st.binary(max_size=300))
def test_any_message_bytes_give_an_outcome(payload: bytes) -> None:
    emits = STAGE.handle(payload, Provenance("tagged", 0, 1), NOW)
    assert emits
    for emit in emits:
        if isinstance(emit.value, DeadLetter):
            assert emit.value.reason in {"empty_message", "invalid_json", "schema_violation"}, (
                emit.value.error
            )
