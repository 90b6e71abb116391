"""Same-story decisions: an article joins a story only when it matches the story's first article.

A story is represented by its leader — the article that opened it — and an article joins a story
only when it matches that leader itself, never merely some later member: stories cannot grow by
transitive drift (A~B~C with A and C different events stays two stories). A match needs:

- closeness of meaning: embedding cosine (plus a bonus across languages, minus a penalty per day
  between the articles' story times) at or above the threshold, within ``max_gap_days``;
- specific evidence that agrees: shared entities below country level (people, organisations,
  places, cross-lingual through their ids), shared distinctive numbers, shared title words, shared
  rare words, shared names (words the texts write capitalised inside a sentence);
- and for formulaic texts (earnings tables, results, listings: mostly numbers), a shared named
  entity that is not a place (a person, an organisation, ...) and a shared title word when both
  have titles: the shape of a text is not its story;
- and when both titles name their subject (title words the article's own text writes as a name:
  "SCOTIA MORTGAGE ISSUES 100 MLN DLR BOND", whose text says "Scotia Mortgage Corp"; or a wire
  headline's instrument code, "<AFG>"), at least one article's subject among the other's names,
  title words or codes: two bonds, dividends or rating actions of two issuers are two stories
  however alike their wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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
NAME_ZIPF = 5.0
RARE_ZIPF = 3.5
HEAD_CHARS = 2000


@dataclass(frozen=True)
class StoryRule:
    """Thresholds of a same-story match against a story's leader (see the module docstring)."""

    threshold: float = 0.89
    xling_bonus: float = 0.03
    time_penalty_per_day: float = 0.01
    max_gap_days: float = 3.0
    min_cosine: float = 0.8
    min_evidence: int = 1
    threshold_alone: float = 0.95
    min_rare_words: int = 3
    template_share: float = 0.2
    min_numbers_conflict: int = 3
    subject_check: bool = True
    min_names: int = 3


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

    @property
    def subject(self) -> frozenset[str]:
        """What the title is about: its words the text writes as names, and its instrument codes."""
        return (frozenset(self.title_words) & frozenset(self.names)) | frozenset(self.codes)


@dataclass(frozen=True)
class StoryEvidence:
    """The inputs of one same-story comparison and the resulting score."""

    cosine: float
    shared_entities: int
    shared_named: int
    shared_numbers: int
    shared_title_words: int
    shared_rare_words: int
    template: bool
    cross_lingual: bool
    gap_days: float
    score: float
    same: bool
    subjects_differ: bool = False
    shared_names: int = 0


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
    out: list[str] = []
    for match in _NUMBER.finditer(text):
        token = match.group().replace(",", "")
        digits = sum(ch.isdigit() for ch in token)
        if digits < 3 and "." not in token:
            continue
        if len(token) == 4 and token.isdigit() and 1900 <= int(token) <= 2100:
            continue
        if token not in out:
            out.append(token)
            if len(out) >= limit:
                break
    return out


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


def subjects_differ(a: StoryFacts, b: StoryFacts) -> bool:
    """Both titles name a subject and neither subject is among the other article's names or title."""
    if not (a.subject and b.subject):
        return False
    return not (a.subject & {*b.names, *b.title_words, *b.codes}) and not (
        b.subject & {*a.names, *a.title_words, *a.codes}
    )


def codes(title: str | None) -> list[str]:
    """Instrument codes of a wire headline, as ``<afg>`` (exchange suffixes dropped: ``<CMAC.S>``)."""
    out: list[str] = []
    for code in _CODE.findall(title or ""):
        mark = f"<{code.split('.')[0].split(' ')[0].lower()}>"
        if mark not in out:
            out.append(mark)
    return out


def story_facts(
    entities: Sequence[Entity],
    title: str | None,
    text: str,
    *,
    language: str | None = None,
    entity_limit: int = 10,
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
    )


def _shared(a: Iterable[str], b: Iterable[str]) -> int:
    return len(set(a) & set(b))


def score_story(
    rule: StoryRule,
    *,
    cosine: float,
    a: StoryFacts,
    b: StoryFacts,
    lang_a: str | None,
    lang_b: str | None,
    gap_days: float,
) -> StoryEvidence:
    """Apply the rule to an article (``a``) and a story's leader (``b``)."""
    xling = bool(lang_a and lang_b and lang_a != lang_b)
    gap = abs(gap_days)
    ents, named = _shared(a.entities, b.entities), _shared(a.named, b.named)
    nums, words = _shared(a.numbers, b.numbers), _shared(a.title_words, b.title_words)
    template = max(a.numeric_share, b.numeric_share) >= rule.template_share
    rare = _shared(a.rare_words, b.rare_words)
    shared_names = _shared(a.names, b.names)
    evidence = (
        ents + (nums >= 2) + (words >= 2) + (rare >= rule.min_rare_words) + (shared_names >= rule.min_names)
    )
    score = cosine + (rule.xling_bonus if xling else 0.0) - rule.time_penalty_per_day * gap
    close = score >= rule.threshold_alone or (score >= rule.threshold and evidence >= rule.min_evidence)
    titled = bool(a.title_words and b.title_words)
    # both full of figures and not one in common: two reports of one kind, not one story
    conflict = min(len(a.numbers), len(b.numbers)) >= rule.min_numbers_conflict and nums == 0
    differ = rule.subject_check and not xling and subjects_differ(a, b)
    close = close and not conflict and not differ
    agrees = named >= 1 and (words >= 1 or not titled) if template else close
    same = close and agrees and cosine >= rule.min_cosine and gap <= rule.max_gap_days
    return StoryEvidence(
        cosine, ents, named, nums, words, rare, template, xling, gap, score, same, differ, shared_names
    )
