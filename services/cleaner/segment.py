"""Lines of a payload, their classification, and the split of glued scrapes into articles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.cleaner.patterns import RuleSet, classify_line, is_headline_shaped

_BULLETS = ("•", "▪", "►", "●", "·", "* ", "- ", "– ")
_DATELINE_UPPER = re.compile(
    r"(?P<city>[A-ZÀ-ÞĀ-Ž][A-ZÀ-ÞĀ-Ž.'’ -]{1,40}?)"
    r"(?:, [A-Za-z.]{2,20})?(?: \([^()]{1,40}\))? ?[:—–-] "
)
_DATELINE_AGENCY = re.compile(
    r"(?P<city>[A-ZÀ-ÞĀ-Ž][\w.'’/-]{1,30}(?: [A-ZÀ-ÞĀ-Ž][\w.'’/-]{1,30}){0,3})"
    r"(?:, [\w.]{2,20})? \([A-Za-z/ -]{2,30}\) ?[:—–-] "
)
_NOT_CITIES = frozenset(
    {
        "BREAKING",
        "UPDATE",
        "EXCLUSIVE",
        "WATCH",
        "LIVE",
        "ANALYSIS",
        "OPINION",
        "EILMELDUNG",
        "EXKLUSIV",
        "NOTE",
        "EDITOR'S NOTE",
    }
)
_WORD = re.compile(r"[^\W\d_]{5,}")


@dataclass
class Line:
    """One non-blank line: text, blank lines before it, removal kind (None = content)."""

    text: str
    gap: int
    kind: str | None = None
    date: datetime | None = None


def build_lines(lines: list[str], rules: RuleSet) -> list[Line]:
    """Classify every non-blank line, remembering how many blank lines preceded it."""
    out: list[Line] = []
    gap = 0
    for text in lines:
        if not text:
            gap += 1
            continue
        verdict = classify_line(text, rules)
        out.append(Line(text, gap, verdict.kind if verdict else None, verdict.date if verdict else None))
        gap = 0
    return out


def is_bullet(text: str) -> bool:
    """True for a bulleted line (standfirst bullets or lists)."""
    return text.startswith(_BULLETS)


def strip_bullet(text: str) -> str:
    """The text of a bulleted line without its bullet."""
    return text.lstrip("•▪►●·*-– ").strip()


def is_body(line: Line) -> bool:
    """A content line that reads like a paragraph rather than a headline or bullet."""
    return line.kind is None and not is_bullet(line.text) and not is_headline_shaped(line.text)


def dateline_city(text: str) -> str | None:
    """The dateline city at the start of a paragraph ("MOSCOW:" -> "MOSCOW"), or None."""
    head = text[:90]
    match = _DATELINE_UPPER.match(head)
    if match is not None:
        city = match.group("city").strip(" .-")
        if city.upper() == city and len(city) >= 2 and city not in _NOT_CITIES:
            return city
    match = _DATELINE_AGENCY.match(head)
    if match is not None:
        return match.group("city").strip()
    return None


def norm(text: str) -> str:
    """Comparison form of a line: case-folded, whitespace collapsed, closing punctuation dropped."""
    return " ".join(text.casefold().split()).rstrip(" .!?…:;,")


def _words(lines: list[Line]) -> set[str]:
    """Content words (5+ letters) of some lines."""
    return {w.casefold() for line in lines for w in _WORD.findall(line.text)}


def _topic_shift(before: list[Line], after: list[Line], max_overlap: float) -> bool:
    """True when the vocabulary before and after a point barely overlaps."""
    a, b = _words(before), _words(after)
    if len(a) < 8 or len(b) < 8:
        return False
    return len(a & b) / min(len(a), len(b)) <= max_overlap


def _header_follows(lines: list[Line], i: int, segment_start: int, max_overlap: float) -> bool:
    """Does an article header (repeat, stamp, dateline or topic change) follow the headline at i?"""
    head = norm(lines[i].text)
    for j in range(i + 1, min(len(lines), i + 9)):
        line = lines[j]
        if line.kind is None and norm(line.text) == head:
            return True
        if line.kind == "timestamp":
            return True
        if is_body(line):
            if dateline_city(line.text) is not None:
                return True
            if lines[i].gap >= 2:
                before = [x for x in lines[segment_start:i] if is_body(x)]
                after = [x for x in lines[j : j + 6] if is_body(x)][:3]
                return _topic_shift(before, after, max_overlap)
            return False
    return False


def find_splits(lines: list[Line], *, max_parts: int, max_overlap: float) -> list[int]:
    """Indices where a new article starts (not 0); every part must have a body paragraph."""
    starts = [0]
    seen_body = False
    last_body = -1
    for i, line in enumerate(lines):
        headline = seen_body and line.kind is None and is_headline_shaped(line.text)
        if headline and _header_follows(lines, i, starts[-1], max_overlap):
            starts.append(i)
            seen_body = False
            continue
        if seen_body and line.kind == "timestamp" and line.date is not None:
            starts.append(last_body + 1)
            seen_body = False
            continue
        if is_body(line):
            seen_body = True
            last_body = i
    valid = [0]
    bounds = [*starts[1:], len(lines)]
    for start, end in zip(starts[1:], bounds[1:], strict=True):
        if any(is_body(x) for x in lines[start:end]) and len(valid) < max_parts:
            valid.append(start)
    return valid[1:]
