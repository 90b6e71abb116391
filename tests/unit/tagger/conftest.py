"""Fixtures for the tagger tests: one shared Tagger, seed articles and labelled data files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.core.models import CleanArticle, Source, Timestamps
from services.tagger.logic import Tagger

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "tagger"
INGESTED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC)


def load_jsonl(name: str) -> list[dict[str, Any]]:
    """Rows of a JSON-lines data file under tests/data/tagger."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def make_article(article_id: str, text: str, **extra: Any) -> CleanArticle:
    """A CleanArticle as the cleaner emits it."""
    return CleanArticle(
        article_id=article_id,
        parent_id=f"raw-{article_id}",
        source=Source(uri=f"{article_id}.txt"),
        text=text,
        timestamps=Timestamps(ingested=INGESTED, cleaned=INGESTED),
        **extra,
    )


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    """One Tagger for the whole session (construction loads the gazetteer)."""
    return Tagger()


@pytest.fixture(scope="session")
def seed_articles() -> dict[str, CleanArticle]:
    """The seed articles in seeds/, keyed by file-name prefix ("000", ...)."""
    return {
        path.name[:3]: make_article(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "seeds").glob("*.txt"))
    }


@pytest.fixture(scope="session")
def seed_expected() -> dict[str, dict[str, Any]]:
    """Expected tags for the seed articles."""
    data: dict[str, dict[str, Any]] = json.loads((DATA / "seeds_expected.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}
