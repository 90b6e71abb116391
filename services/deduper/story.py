"""Same-story scoring: embedding similarity, shared linked entities, language pair and time gap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.core.models import Entity

# Entity ids that say nothing about the story (too generic to link two articles).
GENERIC_ENTITY_PREFIXES = ("unlinked:the ", "unlinked:a ")


@dataclass(frozen=True)
class StoryRule:
    """Same story when cos + w_ent*overlap + xling_bonus*[langs differ] - penalty*days >= threshold."""

    threshold: float = 0.87
    entity_weight: float = 0.0
    xling_bonus: float = 0.03
    time_penalty_per_day: float = 0.01
    max_gap_days: float = 3.0
    min_cosine: float = 0.8


@dataclass(frozen=True)
class StoryEvidence:
    """The inputs of one same-story comparison and the resulting score."""

    cosine: float
    entity_overlap: float
    cross_lingual: bool
    gap_days: float
    score: float
    same: bool


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


def entity_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Overlap coefficient |A∩B| / min(|A|, |B|) of two entity-id lists (0 when either is empty)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def score_story(
    rule: StoryRule,
    *,
    cosine: float,
    entities_a: Sequence[str],
    entities_b: Sequence[str],
    lang_a: str | None,
    lang_b: str | None,
    gap_days: float,
) -> StoryEvidence:
    """Apply the rule to one pair of articles."""
    overlap = entity_overlap(entities_a, entities_b)
    xling = bool(lang_a and lang_b and lang_a != lang_b)
    gap = abs(gap_days)
    score = (
        cosine
        + rule.entity_weight * overlap
        + (rule.xling_bonus if xling else 0.0)
        - rule.time_penalty_per_day * gap
    )
    same = score >= rule.threshold and cosine >= rule.min_cosine and gap <= rule.max_gap_days
    return StoryEvidence(cosine, overlap, xling, gap, score, same)
