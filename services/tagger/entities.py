"""Entity linking: Aho–Corasick matching of surface forms, longest match, word boundaries."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import ahocorasick  # type: ignore[import-not-found]

from services.core.models import Entity
from services.tagger.gazetteer import Gazetteer
from services.tagger.yake_fast import stopwords_folder

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_MASK = "\u2016"  # a non-word character that breaks runs where linked mentions were


@dataclass(frozen=True)
class Mention:
    """One matched surface form in the text."""

    start: int
    end: int
    text: str
    entity_id: str
    demonym: bool


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _load_stopwords(lang: str) -> frozenset[str]:
    """YAKE's stopword list for a language, plus the curated title words."""
    words: set[str] = set()
    try:
        text = stopwords_folder() / f"stopwords_{lang}.txt"
        words.update(w.strip().lower() for w in text.read_text(encoding="utf-8").splitlines())
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    titles = resources.files("services.tagger").joinpath("data", "titles.txt").read_text(encoding="utf-8")
    words.update(w.strip().lower() for w in titles.splitlines() if w.strip() and not w.startswith("#"))
    return frozenset(words)


class EntityLinker:
    """Find and link people, organizations and places in a text."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        *,
        demonyms_as_mentions: bool = True,
        unlinked_languages: tuple[str, ...] = ("en",),
        max_unlinked: int = 10,
    ) -> None:
        self._gaz = gazetteer
        self._demonyms = demonyms_as_mentions
        self._unlinked_languages = unlinked_languages
        self._max_unlinked = max_unlinked
        self._automaton = ahocorasick.Automaton()
        for text, alias in gazetteer.aliases.items():
            if demonyms_as_mentions or not alias.demonym:
                self._automaton.add_word(text, (len(text), alias.entity_id, alias.demonym))
        self._automaton.make_automaton()
        self._stopwords = {lang: _load_stopwords(lang) for lang in unlinked_languages}

    def mentions(self, text: str) -> list[Mention]:
        """All non-overlapping matches at word boundaries, longest (then leftmost) first."""
        found: list[Mention] = []
        for end_index, (length, entity_id, demonym) in self._automaton.iter(text):
            start, end = end_index - length + 1, end_index + 1
            if start > 0 and _is_word_char(text[start - 1]):
                continue
            if end < len(text) and _is_word_char(text[end]):
                continue
            found.append(Mention(start, end, text[start:end], entity_id, demonym))
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken = bytearray(len(text))
        chosen: list[Mention] = []
        for m in found:
            if not any(taken[m.start : m.end]):
                taken[m.start : m.end] = b"\x01" * (m.end - m.start)
                chosen.append(m)
        chosen.sort(key=lambda m: m.start)
        return chosen

    def link(self, text: str, language: str | None) -> list[Entity]:
        """Linked entities (by count, then first mention) followed by unlinked candidates."""
        mentions = self.mentions(text)
        counts: Counter[str] = Counter()
        forms: dict[str, list[str]] = {}
        for m in mentions:
            counts[m.entity_id] += 1
            seen = forms.setdefault(m.entity_id, [])
            if m.text not in seen:
                seen.append(m.text)
        entities = []
        for entity_id, count in counts.most_common():
            rec = self._gaz.records[entity_id]
            entities.append(
                Entity(
                    id=rec.id,
                    name=rec.name,
                    type=rec.type,
                    surface_forms=forms[entity_id],
                    count=count,
                    country=rec.country,
                )
            )
        if language in self._unlinked_languages:
            entities.extend(self._unlinked(text, mentions, self._stopwords[language]))
        return entities

    def _unlinked(self, text: str, mentions: list[Mention], stop: frozenset[str]) -> list[Entity]:
        """Runs of two or more capitalised words that matched nothing: `unlinked:<name>`."""
        chars = list(text)
        for m in mentions:
            chars[m.start : m.end] = _MASK * (m.end - m.start)
        masked = "".join(chars)
        counts: Counter[str] = Counter()
        for run in _capitalised_runs(masked):
            tokens = [t.rstrip("'’-") for t in run]
            while tokens and tokens[0].lower() in stop:
                tokens.pop(0)
            while tokens and tokens[-1].lower() in stop:
                tokens.pop()
            if len(tokens) >= 2 and not any(t.lower() in stop for t in tokens):
                counts[" ".join(tokens)] += 1
        return [
            Entity(id=f"unlinked:{name}", name=name, type="other", surface_forms=[name], count=n)
            for name, n in counts.most_common(self._max_unlinked)
        ]


def _capitalised_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words separated only by single spaces, e.g. "Jin Wenxin"."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for match in _WORD.finditer(text):
        word = match.group(0)
        joined = current and text[last_end : match.start()] == " "
        if not word[0].isupper():
            if len(current) >= 2:
                runs.append(current)
            current, last_end = [], match.end()
            continue
        if not joined and current:
            if len(current) >= 2:
                runs.append(current)
            current = []
        current.append(word)
        last_end = match.end()
    if len(current) >= 2:
        runs.append(current)
    return runs
