"""The offline path holds every stage's output to the workers' record limit (``Stage.bounded``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.core.models import DeadLetter, EnrichedArticle, RawArticle, Source, Timestamps
from services.core.outcomes import Provenance
from services.core.settings import WorkerSettings
from services.offline import MAX_MESSAGE_BYTES, OfflinePipeline
from services.tagger.logic import Tagger
from tests.conftest import SEEDS

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _raw(text: str, article_id: str) -> RawArticle:
    return RawArticle(
        article_id=article_id,
        source=Source(uri=f"{article_id}.txt"),
        text=text,
        timestamps=Timestamps(ingested=NOW),
    )


def _seed() -> str:
    return sorted(SEEDS.glob("001_*.txt"))[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def test_the_default_limit_is_the_workers() -> None:
    assert MAX_MESSAGE_BYTES == WorkerSettings.model_fields["max_message_bytes"].default == 1_000_000


def test_an_output_over_the_limit_is_an_output_too_large_dead_letter(tagger: Tagger) -> None:
    """A clean article over the limit is dead-lettered with its id and the raw event, never emitted."""
    text = "\n\n".join(
        f"Paragraph {n} says the harbour council met for session number {n} and approved item {n * 7}."
        for n in range(200)
    )
    pipeline = OfflinePipeline(tagger=tagger, embedding_backend="none", max_message_bytes=10_000)
    events = list(pipeline.run_raw(_raw(text, "big"), NOW))
    assert [type(e) for e in events] == [DeadLetter]
    letter = events[0]
    assert isinstance(letter, DeadLetter)
    assert (letter.stage, letter.reason) == ("cleaner", "output_too_large")
    assert letter.article_id == "big"
    assert "over the 10000-byte limit" in letter.error
    assert RawArticle.model_validate_json(letter.payload).text == text, "the input is kept for a replay"
    roomy = OfflinePipeline(tagger=tagger, embedding_backend="none")
    assert all(isinstance(e, EnrichedArticle) for e in roomy.run_raw(_raw(text, "big"), NOW))


def test_each_stage_is_held_to_the_limit(tagger: Tagger) -> None:
    """With a limit between the clean and the tagged record's size, the tagger's output is the dead letter."""
    loose = OfflinePipeline(tagger=tagger, embedding_backend="none")
    cleaned = loose.cleaner.run(_raw(_seed(), "seed"), Provenance(), NOW)
    assert len(cleaned) == 1
    clean_size = len(cleaned[0].value.model_dump_json().encode())
    tight = OfflinePipeline(tagger=tagger, embedding_backend="none", max_message_bytes=clean_size + 10)
    events = list(tight.run_raw(_raw(_seed(), "seed"), NOW))
    letters = [(e.stage, e.reason) for e in events if isinstance(e, DeadLetter)]
    assert letters == [("tagger", "output_too_large")]
    assert not [e for e in events if isinstance(e, EnrichedArticle)]
