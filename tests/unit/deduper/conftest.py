"""Fixtures for the deduper unit tests: seed articles built from the repo's seeds and a data file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.core.models import Entity, Language, Source, TaggedArticle, Timestamps
from services.tagger.embedding import Embedder

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data" / "deduper" / "seeds.json"

MakeArticle = Callable[..., TaggedArticle]


def make_article(
    article_id: str,
    text: str,
    at: datetime,
    *,
    language: str | None = "en",
    entities: list[Entity] | None = None,
    embedding: list[float] | None = None,
    title: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
) -> TaggedArticle:
    """A tagged article with the given text, event (ingestion) time and tags."""
    return TaggedArticle(
        article_id=article_id,
        parent_id=f"raw-{article_id}",
        source=Source(uri=f"{article_id}.txt", outlet=outlet, url=url),
        title=title,
        text=text,
        timestamps=Timestamps(ingested=at),
        language=Language(code=language, confidence=1.0) if language else None,
        entities=entities or [],
        embedding=embedding,
    )


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged multilingual model, loaded once for the session."""
    return Embedder()


@pytest.fixture(scope="session")
def seed_spec() -> dict[str, Any]:
    """The seed data file (entities, languages, time offsets)."""
    spec: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return spec


@pytest.fixture(scope="session")
def base_time(seed_spec: dict[str, Any]) -> datetime:
    """Event time of the first seed."""
    return datetime.fromisoformat(seed_spec["base_time"].replace("Z", "+00:00"))


@pytest.fixture(scope="session")
def seed_texts(seed_spec: dict[str, Any]) -> list[str]:
    """Texts of the five seeds, in file order."""
    return [(REPO / "seeds" / a["file"]).read_text(encoding="utf-8") for a in seed_spec["articles"]]


@pytest.fixture(scope="session")
def seed_vectors(embedder: Embedder, seed_texts: list[str]) -> list[list[float]]:
    """Embeddings of the seeds (computed once)."""
    return [embedder.embed(t) for t in seed_texts]


@pytest.fixture(scope="session")
def seeds(
    seed_spec: dict[str, Any], base_time: datetime, seed_texts: list[str], seed_vectors: list[list[float]]
) -> Callable[[str], list[TaggedArticle]]:
    """Factory: the five seeds as tagged articles with ids ``<prefix>-<file stem>``."""

    def build(prefix: str) -> list[TaggedArticle]:
        out = []
        for spec, text, vec in zip(seed_spec["articles"], seed_texts, seed_vectors, strict=True):
            ents = [Entity(id=i, name=n, type=t, count=c) for i, n, t, c in spec["entities"]]
            out.append(
                make_article(
                    f"{prefix}-{spec['file'][:3]}",
                    text,
                    base_time + timedelta(minutes=spec["minutes"]),
                    language=spec["language"],
                    entities=ents,
                    embedding=vec,
                )
            )
        return out

    return build
