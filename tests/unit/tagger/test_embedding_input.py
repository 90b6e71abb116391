"""The embedding reads the configured head of the article: the setting reaches the model."""

from __future__ import annotations

from datetime import UTC, datetime

from services.core.models import Source, TaggedArticle, Timestamps
from services.tagger.settings import TaggerSettings
from services.tagger.stage import article_embedder

HEAD = "The central bank raised its main interest rate by half a point on Thursday. "


def _article(tail: str) -> TaggedArticle:
    return TaggedArticle(
        article_id=tail[:8],
        parent_id="p",
        source=Source(uri="x.txt"),
        text=HEAD * 3 + tail,
        timestamps=Timestamps(ingested=datetime(2026, 1, 1, tzinfo=UTC)),
    )


def test_text_past_max_chars_does_not_change_the_vector() -> None:
    a, b = _article("Markets fell sharply afterwards."), _article("Das Wetter bleibt morgen sonnig.")
    short = article_embedder("e5", max_chars=len(HEAD) * 2)
    full = article_embedder("e5")
    assert short is not None and full is not None
    assert short([a]) == short([b])
    assert full([a]) != full([b])
    assert TaggerSettings().embedding_max_chars == 600
