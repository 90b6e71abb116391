"""Key phrases with YAKE!, using the stopword list of the detected language.

The extraction is ``services.tagger.yake_fast``: the yake package's algorithm and results (0.7.3)
for about a third of its CPU (``python -m bench.bench_keywords``).
"""

from __future__ import annotations

import math

from services.core.models import Keyword
from services.tagger.yake_fast import FastYake


class KeywordExtractor:
    """Extract a handful of key phrases; one YAKE extractor per language, built on first use."""

    def __init__(self, *, max_keywords: int = 8, max_ngram: int = 3, max_chars: int = 6000) -> None:
        self._max_keywords = max_keywords
        self._max_ngram = max_ngram
        self._max_chars = max_chars
        self._extractors: dict[str, FastYake] = {}

    def _extractor(self, language: str) -> FastYake:
        if language not in self._extractors:
            self._extractors[language] = FastYake(
                language, n=self._max_ngram, dedup_lim=0.7, top=self._max_keywords * 2
            )
        return self._extractors[language]

    def extract(self, text: str, language: str | None) -> list[Keyword]:
        """Key phrases, best first; score in (0, 1] is 1 / (1 + ln(YAKE score / best score))."""
        if self._max_keywords <= 0 or not text.strip():
            return []
        found = self._extractor(language or "en").extract_keywords(text[: self._max_chars])
        if not found:
            return []
        best = max(min(float(score) for _, score in found), 1e-12)
        keywords: list[Keyword] = []
        chosen: list[set[str]] = []
        for phrase, yake_score in found:
            tokens = set(phrase.lower().split())
            if not any(ch.isalpha() for ch in phrase) or any(_overlap(tokens, c) >= 0.5 for c in chosen):
                continue
            chosen.append(tokens)
            relative = 1.0 / (1.0 + math.log(max(float(yake_score), best) / best))
            keywords.append(Keyword(text=phrase, score=round(min(relative, 1.0), 4)))
            if len(keywords) == self._max_keywords:
                break
        return keywords


def _overlap(a: set[str], b: set[str]) -> float:
    """Jaccard overlap of two token sets."""
    return len(a & b) / len(a | b) if a and b else 0.0
