"""The checked-in JSON Schemas are the consumer contract: they must match the models."""

from __future__ import annotations

import json

import pytest

from services.core.schemas import TOPIC_MODELS, render
from services.core.settings import PUBLIC_TOPICS
from tests.conftest import ROOT


@pytest.mark.parametrize("topic", sorted(TOPIC_MODELS))
def test_checked_in_schema_matches_model(topic: str) -> None:
    path = ROOT / "schemas" / f"{topic}.json"
    assert path.exists(), f"missing {path}: run `make schemas`"
    assert path.read_text(encoding="utf-8") == render(topic), f"{path} drifted: run `make schemas`"


def test_every_public_topic_has_a_schema() -> None:
    assert set(PUBLIC_TOPICS) == set(TOPIC_MODELS)


def test_enriched_schema_requires_duplicate_and_story() -> None:
    schema = json.loads(render("articles.enriched.v1"))
    assert {"article_id", "duplicate", "story_id", "schema_version"} <= set(schema["required"])
