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
  however alike their wording;
- and when both headlines give figures (``facts.title_numbers``: "GIVEN 15 MLN STG HELP", "MARCH 6"),
  at least one figure in common: the money-market help of two days, two issuers' loans or two
  retailers' monthly sales are two reports (same-language pairs).

Two articles of one outlet (``StoryFacts.outlet``: the record's outlet, else its URL's host) need a
closer match and more evidence (``same_outlet_*``): an outlet's own follow-ups are one story, but
so alike are its daily series and house templates that the general threshold mistakes them for one.

The facts themselves are extracted in ``facts.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.deduper.facts import StoryFacts


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
    title_number_check: bool = True
    # Two articles of one outlet (its own updates and follow-ups, but also its recurring reports and
    # house templates) are held to a stricter match: chosen for precision >= 0.9 on the judged pairs
    # of the Reuters tuning half.
    same_outlet_threshold: float = 0.91
    same_outlet_threshold_alone: float = 0.96
    same_outlet_min_evidence: int = 3


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
    title_numbers_differ: bool = False
    same_outlet: bool = False


def subjects_differ(a: StoryFacts, b: StoryFacts) -> bool:
    """Both titles name a subject and neither subject is among the other article's names or title."""
    if not (a.subject and b.subject):
        return False
    return not (a.subject & {*b.names, *b.title_words, *b.codes}) and not (
        b.subject & {*a.names, *a.title_words, *a.codes}
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
    outlet = bool(a.outlet) and a.outlet == b.outlet
    alone, threshold, min_evidence = (
        (rule.same_outlet_threshold_alone, rule.same_outlet_threshold, rule.same_outlet_min_evidence)
        if outlet
        else (rule.threshold_alone, rule.threshold, rule.min_evidence)
    )
    close = score >= alone or (score >= threshold and evidence >= min_evidence)
    titled = bool(a.title_words and b.title_words)
    # both full of figures and not one in common: two reports of one kind, not one story
    conflict = min(len(a.numbers), len(b.numbers)) >= rule.min_numbers_conflict and nums == 0
    differ = rule.subject_check and not xling and subjects_differ(a, b)
    # both headlines give figures and not one in common: money-market help of 15 and of 120 million
    # (two days' operations), two issuers' loans of 3.28 and 3.10 billion yen: two reports
    figures = (
        rule.title_number_check
        and not xling
        and bool(a.title_numbers and b.title_numbers)
        and not set(a.title_numbers) & set(b.title_numbers)
    )
    close = close and not conflict and not differ and not figures
    agrees = named >= 1 and (words >= 1 or not titled) if template else close
    same = close and agrees and cosine >= rule.min_cosine and gap <= rule.max_gap_days
    return StoryEvidence(
        cosine,
        ents,
        named,
        nums,
        words,
        rare,
        template,
        xling,
        gap,
        score,
        same,
        differ,
        shared_names,
        figures,
        outlet,
    )
