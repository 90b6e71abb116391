"""The specific evidence of one article (its story facts): entities, figures, title words, names, codes.

Pure functions over an article's entities, title and text, computed once in its signature and kept in
its record; ``story.score_story`` compares two articles' facts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import wordfreq

from services.core.models import Entity

# Entity ids that say nothing about the story (too generic to link two articles).
GENERIC_ENTITY_PREFIXES = ("unlinked:the ", "unlinked:a ")
COUNTRY_PREFIX = "iso3166:"
_NUMBER = re.compile(r"(?<![\w.,])\d[\d,.]*\d(?![\w])|(?<![\w.,])\d(?![\w.,])")
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_TOKEN = re.compile(r"\S+")
# A name: a capitalised word inside a sentence (after a word, a comma or a closing quote), or one
# followed by another capitalised word ("Corrin Mortgage Corp is issuing ..." opens a sentence).
_CAP = r"[A-ZÀ-ÖØ-Þ][\w&'’-]*\w"
_NAME = re.compile(rf"(?<=[\w,;:)\"'] ){_CAP}|{_CAP}(?= [A-ZÀ-ÖØ-Þ])")
_LETTERS = re.compile(r"[^\W\d_]{3,}")
# A wire headline's instrument code: "AFG INDUSTRIES INC <AFG> QUARTERLY DIVIDEND", "<PHAB ST>", "<CMAC.S>".
_CODE = re.compile(r"<([A-Z][A-Z0-9.\- ]{0,11})>")
# A figure of a headline: "GIVEN 15 MLN STG", "3.28 BILLION YEN", "MARCH 6" (not "3RD", not "<CMAC.S>").
_TITLE_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
NAME_ZIPF = 5.0
RARE_ZIPF = 3.5
HEAD_CHARS = 2000
# An outlet longer than this is kept as a hash: only equality matters, and the record stays small.
OUTLET_CHARS = 64


@dataclass(frozen=True)
class StoryFacts:
    """The specific evidence of one article: entities, numbers, title words and its formulaic share."""

    entities: tuple[str, ...]
    named: tuple[str, ...]
    numbers: tuple[str, ...]
    title_words: tuple[str, ...]
    numeric_share: float
    rare_words: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    title_numbers: tuple[str, ...] = ()
    outlet: str = ""

    @property
    def subject(self) -> frozenset[str]:
        """What the title is about: its words the text writes as names, and its instrument codes."""
        return (frozenset(self.title_words) & frozenset(self.names)) | frozenset(self.codes)


# The facts' keys in an article's stored record (``Deduper.record``), in the order written; the
# fields in _WHEN_SET are written only when set, and a record without them reads them as empty.
RECORD_KEYS = {
    "entities": "n",
    "named": "nn",
    "numbers": "u",
    "title_words": "w",
    "numeric_share": "q",
    "rare_words": "r",
    "names": "a",
    "codes": "g",
    "title_numbers": "d",
    "outlet": "o",
}
# The facts on the wire (``wire.to_wire``: ``asdict``) are keyed by their field names.
FIELD_KEYS = {name: name for name in RECORD_KEYS}
_WHEN_SET = frozenset({"codes", "title_numbers", "outlet"})


def facts_to(facts: StoryFacts, keys: Mapping[str, str] = RECORD_KEYS) -> dict[str, Any]:
    """The facts as JSON values under ``keys`` (lists for tuples; unset optional ones left out)."""
    out: dict[str, Any] = {}
    for name, key in keys.items():
        value = getattr(facts, name)
        if name in _WHEN_SET and not value:
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def facts_from(data: Mapping[str, Any], keys: Mapping[str, str] = RECORD_KEYS) -> StoryFacts:
    """The facts kept under ``keys`` (a record, a wire message; what an older one lacks is empty)."""
    values: dict[str, Any] = {}
    for name, key in keys.items():
        raw = data.get(key)
        if name == "numeric_share":
            values[name] = float(raw or 0.0)
        elif name == "outlet":
            values[name] = str(raw or "")
        else:
            values[name] = tuple(raw or ())
    return StoryFacts(**values)


def outlet_key(publisher: str | None) -> str:
    """The outlet as the story rule compares it: the name, or a hash of a long one; "" when unknown."""
    if not publisher:
        return ""
    if len(publisher) <= OUTLET_CHARS:
        return publisher
    return "~" + hashlib.blake2b(publisher.encode("utf-8"), digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def title_stopwords() -> frozenset[str]:
    """Title words that are no evidence of a story (``data/title_stopwords.txt``)."""
    data = resources.files("services.deduper").joinpath("data/title_stopwords.txt")
    text = data.read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


@lru_cache(maxsize=1)
def country_ids() -> frozenset[str]:
    """Wikidata ids of countries, from the tagger's country table (they are not story evidence)."""
    table = resources.files("services.tagger").joinpath("data/countries.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return frozenset(row[1] for row in rows if len(row) > 1 and row[1])


def top_entities(entities: Sequence[Entity], limit: int) -> list[str]:
    """The ids of the most-mentioned entities (ties by id), generic ones dropped."""
    ranked = sorted(entities, key=lambda e: (-e.count, e.id))
    out: list[str] = []
    for entity in ranked:
        if entity.id.lower().startswith(GENERIC_ENTITY_PREFIXES) or entity.id in out:
            continue
        out.append(entity.id)
        if len(out) >= limit:
            break
    return out


def specific(entities: Sequence[Entity]) -> list[Entity]:
    """Entities below country level (countries say where, not what), shouted unlinked names dropped.

    An unlinked name in capitals comes from a headline in capitals ("QTR LOSS", "DLR BOND"): it is
    as likely a piece of the wire's template as a name.
    """
    countries = country_ids()
    return [
        e
        for e in entities
        if e.id not in countries
        and not e.id.startswith(COUNTRY_PREFIX)
        and not (e.id.startswith("unlinked:") and e.name.isupper())
    ]


def numbers(text: str, limit: int) -> list[str]:
    """Distinctive numbers in order of appearance: 3+ digits or a decimal, years and 1-2 digits dropped."""
    return _figures(_NUMBER, text, limit, lambda t: "." in t or sum(ch.isdigit() for ch in t) >= 3)


def _figures(pattern: re.Pattern[str], text: str, limit: int, keep: Callable[[str], bool]) -> list[str]:
    """The distinct numbers ``pattern`` finds that ``keep`` accepts, thousands marks and years dropped."""
    out: list[str] = []
    for match in pattern.finditer(text):
        token = match.group().replace(",", "")
        if _is_year(token) or not keep(token) or token in out:
            continue
        out.append(token)
        if len(out) >= limit:
            break
    return out


def _is_year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and 1900 <= int(token) <= 2100


def title_words(title: str | None, limit: int) -> list[str]:
    """Lower-cased content words (4+ letters) of a title, stopwords dropped."""
    out: list[str] = []
    for word in _WORD.findall((title or "").lower()):
        if word not in title_stopwords() and word not in out:
            out.append(word)
            if len(out) >= limit:
                break
    return out


def numeric_share(text: str) -> float:
    """Share of whitespace tokens that contain a digit (high for tables, results and listings)."""
    tokens = _TOKEN.findall(text[:4000])
    return sum(any(ch.isdigit() for ch in t) for t in tokens) / len(tokens) if tokens else 0.0


@lru_cache(maxsize=1)
def _wordlists() -> frozenset[str]:
    """Languages ``wordfreq`` has a frequency list for."""
    return frozenset(wordfreq.available_languages())


def rare_words(text: str, language: str | None, limit: int) -> list[str]:
    """Words of the head that are rare in the language (Zipf < 3.5 in ``wordfreq``): its specifics."""
    lang = language or "en"
    if lang not in _wordlists():
        return []  # no frequency list for this language: no rare-word evidence
    out: list[str] = []
    for word in wordfreq.tokenize(text, lang):  # type: ignore[attr-defined]
        if len(word) < 4 or any(ch.isdigit() for ch in word) or word in out:
            continue
        if wordfreq.zipf_frequency(word, lang) < RARE_ZIPF:
            out.append(word)
            if len(out) >= limit:
                break
    return out


def names(text: str, language: str | None, limit: int) -> list[str]:
    """Lower-cased words the head writes capitalised inside a sentence, common words dropped: its names."""
    lang = language if language in _wordlists() else "en"
    out: list[str] = []
    for match in _NAME.finditer(" ".join(text[:HEAD_CHARS].split())):
        for word in _LETTERS.findall(match.group().lower()):
            if word not in out and wordfreq.zipf_frequency(word, lang) < NAME_ZIPF:
                out.append(word)
                if len(out) >= limit:
                    return out
    return out


def codes(title: str | None) -> list[str]:
    """Instrument codes of a wire headline, as ``<afg>`` (exchange suffixes dropped: ``<CMAC.S>``)."""
    out: list[str] = []
    for code in _CODE.findall(title or ""):
        mark = f"<{code.split('.')[0].split(' ')[0].lower()}>"
        if mark not in out:
            out.append(mark)
    return out


def title_numbers(title: str | None, limit: int = 4) -> list[str]:
    """The figures of a headline, any length (``15``, ``3.28``, ``6``), thousands marks and years dropped."""
    return _figures(_TITLE_NUMBER, title or "", limit, lambda _: True)


def story_facts(
    entities: Sequence[Entity],
    title: str | None,
    text: str,
    *,
    language: str | None = None,
    entity_limit: int = 10,
    outlet: str = "",
) -> StoryFacts:
    """The specific evidence of an article (pure; computed once in its signature)."""
    own = specific(entities)
    named = [e for e in own if e.type != "place"]  # people, organisations, other named things
    return StoryFacts(
        entities=tuple(top_entities(own, entity_limit)),
        named=tuple(top_entities(named, entity_limit)),
        numbers=tuple(numbers(f"{title or ''}\n{text[:3000]}", 16)),
        title_words=tuple(title_words(title, 12)),
        numeric_share=round(numeric_share(text), 3),
        rare_words=tuple(rare_words(f"{title or ''}\n{text[:HEAD_CHARS]}", language, 24)),
        names=tuple(names(text, language, 24)),
        codes=tuple(codes(title)[:4]),
        title_numbers=tuple(title_numbers(title)),
        outlet=outlet,
    )
