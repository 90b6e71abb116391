"""The Tagger.tag contract: fields preserved, timestamps, countries, topics, keywords, config."""

from __future__ import annotations

from services.core.models import CleanArticle, Entity
from services.tagger.logic import Tagger, TaggerConfig, countries_of

from .conftest import INGESTED, NOW, load_jsonl, make_article

SNIPPETS = {s["id"]: s for s in load_jsonl("snippets.jsonl")}


def test_tag_keeps_article_fields_and_sets_tagged_timestamp(
    tagger: Tagger, seed_articles: dict[str, CleanArticle]
) -> None:
    article = seed_articles["000"]
    tagged = tagger.tag(article, now=NOW)
    assert tagged.article_id == article.article_id
    assert tagged.text == article.text
    assert tagged.source == article.source
    assert tagged.parent_id == article.parent_id
    assert tagged.timestamps.tagged == NOW
    assert tagged.timestamps.ingested == INGESTED
    assert tagged.timestamps.cleaned == INGESTED
    assert tagged.embedding is None


def test_title_and_lead_are_tagged_too(tagger: Tagger) -> None:
    article = make_article(
        "x",
        SNIPPETS["en06"]["text"],
        title=SNIPPETS["en09"]["text"],
        lead=[SNIPPETS["en16"]["text"]],
    )
    ids = {e.id for e in tagger.tag(article, now=NOW).entities}
    assert {"Q43", "Q61053", "Q232"} <= ids


def test_countries_follow_entities_most_mentioned_first(
    tagger: Tagger, seed_articles: dict[str, CleanArticle]
) -> None:
    tagged = tagger.tag(seed_articles["002"], now=NOW)
    assert tagged.countries == countries_of(tagged.entities)
    assert tagged.countries[:2] in (["RU", "CN"], ["CN", "RU"])
    assert len(tagged.countries) == len(set(tagged.countries))


def test_countries_of_weights_by_count() -> None:
    entities = [
        Entity(id="a", name="a", type="place", count=1, country="DE"),
        Entity(id="b", name="b", type="person", count=3, country="FR"),
        Entity(id="c", name="c", type="organization", count=1, country="DE"),
        Entity(id="d", name="d", type="organization", count=9),
    ]
    assert countries_of(entities) == ["FR", "DE"]


def test_topics_are_sorted_bounded_and_above_threshold(
    tagger: Tagger, seed_articles: dict[str, CleanArticle]
) -> None:
    for article in seed_articles.values():
        topics = tagger.tag(article, now=NOW).topics
        scores = [t.score for t in topics]
        assert scores == sorted(scores, reverse=True)
        assert all(tagger.config.min_topic_score <= s <= 1.0 for s in scores)
        assert 1 <= len(topics) <= tagger.config.max_topics


def test_child_topic_lifts_parent(tagger: Tagger, seed_articles: dict[str, CleanArticle]) -> None:
    scored = {t.id: t.score for t in tagger.topics.score(seed_articles["000"].text)}
    assert scored["medtop:11000000"] >= scored["medtop:20000638"] > 0.5


def test_keywords_are_few_distinct_and_ranked(tagger: Tagger, seed_articles: dict[str, CleanArticle]) -> None:
    for article in seed_articles.values():
        keywords = tagger.tag(article, now=NOW).keywords
        assert 3 <= len(keywords) <= tagger.config.max_keywords
        assert keywords[0].score == 1.0
        assert [k.score for k in keywords] == sorted((k.score for k in keywords), reverse=True)
        assert len({k.text.lower() for k in keywords}) == len(keywords)


def test_german_keywords_use_german_stopwords(tagger: Tagger, seed_articles: dict[str, CleanArticle]) -> None:
    keywords = tagger.tag(seed_articles["002"], now=NOW).keywords
    stop = {"der", "die", "das", "und", "mit", "sei", "in"}
    for keyword in keywords:
        words = keyword.text.lower().split()
        assert words[0] not in stop, keyword.text
        assert words[-1] not in stop, keyword.text


def test_text_without_letters_has_no_language(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article("digits", "12 345 678 -- 9"), now=NOW)
    assert tagged.language is None
    assert tagged.entities == []
    assert tagged.topics == []


def test_config_limits_are_honoured(tagger: Tagger, seed_articles: dict[str, CleanArticle]) -> None:
    small = Tagger(TaggerConfig(max_keywords=2, max_topics=1, min_topic_score=0.0, unlinked_languages=()))
    tagged = small.tag(seed_articles["001"], now=NOW)
    assert len(tagged.keywords) == 2
    assert len(tagged.topics) == 1
    assert not any(e.id.startswith("unlinked:") for e in tagged.entities)
    assert any(e.id.startswith("unlinked:") for e in tagger.tag(seed_articles["001"], now=NOW).entities)
