"""The tagger on the seed articles and on the labelled English/German snippets (data files)."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.models import CleanArticle
from services.tagger.logic import Tagger

from .conftest import NOW, load_jsonl, make_article

SEED_IDS = ["000", "001", "002", "003", "004"]
SNIPPETS = load_jsonl("snippets.jsonl")


@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_language_entities_countries_topics(
    tagger: Tagger,
    seed_articles: dict[str, CleanArticle],
    seed_expected: dict[str, dict[str, Any]],
    seed: str,
) -> None:
    expected = seed_expected[seed]
    tagged = tagger.tag(seed_articles[seed], now=NOW)
    assert tagged.language is not None
    assert tagged.language.code == expected["lang"]
    assert tagged.language.confidence > 0.9
    ids = {e.id for e in tagged.entities}
    assert set(expected["entities"]) <= ids, sorted(set(expected["entities"]) - ids)
    assert set(expected["countries"]) <= set(tagged.countries)
    topic_ids = {t.id for t in tagged.topics}
    assert set(expected["topics"]) <= topic_ids, topic_ids


def test_german_and_english_seeds_share_entity_ids(
    tagger: Tagger, seed_articles: dict[str, CleanArticle]
) -> None:
    german = {e.id: e for e in tagger.tag(seed_articles["002"], now=NOW).entities}
    english = {e.id: e for e in tagger.tag(seed_articles["003"], now=NOW).entities}
    for qid in ("Q7747", "Q15031", "Q159", "Q148", "Q956", "Q649"):
        assert german[qid].name == english[qid].name
    assert "Wladimir Putin" in german["Q7747"].surface_forms
    assert "Vladimir Putin" in english["Q7747"].surface_forms
    assert "Peking" in german["Q956"].surface_forms
    assert "Beijing" in english["Q956"].surface_forms


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s["id"] for s in SNIPPETS])
def test_snippet(tagger: Tagger, snippet: dict[str, Any]) -> None:
    tagged = tagger.tag(make_article(snippet["id"], snippet["text"]), now=NOW)
    assert tagged.language is not None
    assert tagged.language.code == snippet["lang"]
    linked = {e.id for e in tagged.entities if not e.id.startswith("unlinked:")}
    assert linked == set(snippet["entities"])
    topic_ids = {t.id for t in tagged.topics}
    assert set(snippet["topics"]) <= topic_ids, [(t.id, t.score) for t in tagged.topics]


def test_snippets_cover_both_languages() -> None:
    langs = [s["lang"] for s in SNIPPETS]
    assert len(SNIPPETS) >= 30
    assert langs.count("en") >= 15
    assert langs.count("de") >= 15
