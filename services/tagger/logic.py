"""Tagger stage logic: language, linked entities, countries, topics and keywords of an article."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from services.core.models import CleanArticle, Entity, TaggedArticle, Topic
from services.tagger.entities import EntityLinker
from services.tagger.gazetteer import load_gazetteer
from services.tagger.keywords import KeywordExtractor
from services.tagger.language import LanguageDetector
from services.tagger.topics import TopicScorer

NEWS_LANGUAGES = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "ru",
    "uk",
    "cs",
    "sv",
    "da",
    "no",
    "fi",
    "hu",
    "ro",
    "bg",
    "el",
    "tr",
    "ar",
    "fa",
    "he",
    "zh",
    "ja",
    "ko",
    "hi",
    "id",
    "vi",
    "th",
    "hr",
    "sr",
    "sk",
    "sl",
    "lt",
    "lv",
    "et",
)


@dataclass(frozen=True)
class TaggerConfig:
    """Tuning knobs of the tagger; every field has a default."""

    languages: tuple[str, ...] = NEWS_LANGUAGES
    language_max_chars: int = 2000
    country_locales: tuple[str, ...] = ("de", "fr", "es", "it", "nl", "pt")
    min_city_population: int = 100_000
    alt_name_city_population: int = 1_000_000
    demonyms_as_mentions: bool = True
    unlinked_languages: tuple[str, ...] = ("en",)
    max_unlinked: int = 10
    min_topic_score: float = 0.3
    max_topics: int = 5
    topic_scale: float = 2.0
    max_keywords: int = 8
    keyword_max_chars: int = 6000


def article_text(article: CleanArticle) -> str:
    """The text the tagger reads: title, lead bullets and body, separated by blank lines."""
    parts = [article.title or "", *article.lead, article.text]
    return "\n\n".join(part for part in parts if part.strip())


def countries_of(entities: list[Entity]) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the entities, most mentioned first."""
    weight: Counter[str] = Counter()
    for entity in entities:
        if entity.country:
            weight[entity.country] += entity.count
    return [code for code, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))]


class Tagger:
    """Pure tagging logic: no network, no environment; resources are loaded once at construction."""

    def __init__(self, config: TaggerConfig = TaggerConfig()) -> None:
        self.config = config
        self.language = LanguageDetector(config.languages, config.language_max_chars)
        self.gazetteer = load_gazetteer(
            min_city_population=config.min_city_population,
            alt_name_city_population=config.alt_name_city_population,
            country_locales=config.country_locales,
        )
        self.linker = EntityLinker(
            self.gazetteer,
            demonyms_as_mentions=config.demonyms_as_mentions,
            unlinked_languages=config.unlinked_languages,
            max_unlinked=config.max_unlinked,
        )
        self.topics = TopicScorer(scale=config.topic_scale)
        self.keywords = KeywordExtractor(max_keywords=config.max_keywords, max_chars=config.keyword_max_chars)
        self._topic_hints = {rid: rec.topics for rid, rec in self.gazetteer.records.items() if rec.topics}

    def select_topics(self, text: str, entities: list[Entity]) -> list[Topic]:
        """Topics at or above the configured minimum score, at most max_topics."""
        scored = self.topics.score(text, entities, self._topic_hints)
        return [t for t in scored if t.score >= self.config.min_topic_score][: self.config.max_topics]

    def tag(self, article: CleanArticle, *, now: datetime) -> TaggedArticle:
        """Return the article with language, entities, countries, topics, keywords; tagged = now."""
        text = article_text(article)
        language = self.language.detect(text)
        code = language.code if language else None
        entities = self.linker.link(text, code)
        return TaggedArticle(
            **article.model_dump(exclude={"timestamps"}),
            timestamps=article.timestamps.model_copy(update={"tagged": now}),
            language=language,
            entities=entities,
            countries=countries_of(entities),
            topics=self.select_topics(text, entities),
            keywords=self.keywords.extract(text, code),
        )
