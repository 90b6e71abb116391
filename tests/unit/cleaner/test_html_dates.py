"""HTML pages keep their published date: JSON-LD ``datePublished``, meta tags or ``<time datetime>``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.cleaner.logic import clean
from services.core.models import RawArticle, Source, Timestamps

DATA = Path(__file__).resolve().parents[2] / "data" / "cleaner" / "html_dates"
EXPECTED: dict[str, str | None] = json.loads((DATA / "expected.json").read_text())
NOW = datetime(2024, 3, 10, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_page_date_becomes_published(name: str) -> None:
    raw = RawArticle(
        article_id=name,
        source=Source(uri=name),
        text=(DATA / name).read_text(),
        content_type="text/html",
        timestamps=Timestamps(ingested=NOW),
    )
    result = clean(raw, now=NOW)
    assert isinstance(result, list) and len(result) == 1
    (article,) = result
    want = EXPECTED[name]
    assert (article.published.isoformat() if article.published else None) == want
    assert article.title == "Council approves school budget"
