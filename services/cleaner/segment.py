"""Lines of a payload, their classification, and the split of glued scrapes into articles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.cleaner.lineclass import is_chrome
from services.cleaner.patterns import RuleSet, classify_line, is_headline_shaped, is_label

_BULLETS = ("•", "▪", "►", "●", "·", "* ", "- ", "– ")
_DATELINE_UPPER = re.compile(
    r"(?P<city>[A-ZÀ-ÞĀ-Ž][A-ZÀ-ÞĀ-Ž.'’/ -]{1,40}?)"
    r"(?:, [A-Za-z.]{2,20})?(?:, [A-Z][a-z]{2,8}\.? \d{1,2})?(?: \([^()]{1,40}\))? ?[:—–-] "
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
CLASSIFIED = "classified_boilerplate"


@dataclass
class Line:
    """One non-blank line: text, blank lines before it, removal kind (None = content)."""

    text: str
    gap: int
    kind: str | None = None
    date: datetime | None = None


def build_lines(lines: list[str], rules: RuleSet, *, features: bool = True) -> list[Line]:
    """Classify every non-blank line (rules, then line features), remembering the blank lines before it.

    Each distinct line is classified once per payload (the classifier only looks at the line and
    whether it is among the first or last three), so repeats cost a dictionary look-up.
    """
    out: list[Line] = []
    gap = 0
    total = sum(1 for text in lines if text)
    verdicts: dict[tuple[str, bool], tuple[str | None, datetime | None]] = {}
    for text in lines:
        if not text:
            gap += 1
            continue
        position = len(out)
        edge = position < 3 or position >= total - 3
        found = verdicts.get((text, edge))
        if found is None:
            verdict = classify_line(text, rules)
            if verdict is not None:
                found = (verdict.kind, verdict.date)
            elif features and is_chrome(text, position, total):
                found = (CLASSIFIED, None)
            else:
                found = (None, None)
            verdicts[(text, edge)] = found
        out.append(Line(text, gap, found[0], found[1]))
        gap = 0
    return out


def mark_repeats(lines: list[Line], min_chars: int) -> None:
    """Mark every repeat of an earlier body paragraph of the payload (before the split is decided)."""
    seen: set[str] = set()
    for line in lines:
        if not is_body(line):
            continue
        key = norm(line.text)
        if len(key) < min_chars:
            continue
        if key in seen:
            line.kind = "repeated_paragraph"
        else:
            seen.add(key)


def is_bullet(text: str) -> bool:
    """True for a bulleted line (standfirst bullets or lists)."""
    return text.startswith(_BULLETS)


def strip_bullet(text: str) -> str:
    """The text of a bulleted line without its bullet."""
    return text.lstrip("•▪►●·*-– ").strip()


def is_body(line: Line) -> bool:
    """A content line that reads like a paragraph rather than a headline or bullet."""
    text = line.text
    return line.kind is None and not is_bullet(text) and not is_headline_shaped(text) and not is_label(text)


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


def _topic_shift(before: set[str], after: list[Line], max_overlap: float) -> bool:
    """True when the vocabulary before and after a point barely overlaps."""
    b = _words(after)
    if len(before) < 8 or len(b) < 8:
        return False
    return len(before & b) / min(len(before), len(b)) <= max_overlap


def _header_follows(lines: list[Line], i: int, before: set[str], max_overlap: float) -> bool:
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
                after = [x for x in lines[j : j + 6] if is_body(x)][:3]
                return _topic_shift(before, after, max_overlap)
            return False
    return False


def _candidates(lines: list[Line], max_overlap: float) -> list[int]:
    """Every headline or dated stamp that opens a new article (one linear pass; 0 first)."""
    starts = [0]
    seen_body = False
    last_body = -1
    words: set[str] = set()  # content words of the current segment's body, grown line by line
    for i, line in enumerate(lines):
        headline = seen_body and line.kind is None and is_headline_shaped(line.text)
        if headline and _header_follows(lines, i, words, max_overlap):
            starts.append(i)
            seen_body, words = False, set()
            continue
        if seen_body and line.kind == "timestamp" and line.date is not None:
            starts.append(last_body + 1)
            seen_body, words = False, set()
            continue
        if is_body(line):
            seen_body = True
            last_body = i
            words.update(w.casefold() for w in _WORD.findall(line.text))
    return starts


def _has_header(lines: list[Line], start: int, end: int) -> bool:
    """Does the part open with a headline followed by its own stamp or dateline paragraph?"""
    first = next((k for k in range(start, min(end, start + 4)) if lines[k].kind is None), None)
    if first is None or not is_headline_shaped(lines[first].text):
        return False
    for k in range(first + 1, min(end, first + 9)):
        if lines[k].kind == "timestamp":
            return True
        if is_body(lines[k]):
            return dateline_city(lines[k].text) is not None
    return False


def _merge_short(lines: list[Line], starts: list[int], min_words: int, min_brief_words: int) -> list[int]:
    """Merge every part under min_words (unless it is a brief with its own header) into a neighbour."""
    cum = [0]
    for line in lines:
        cum.append(cum[-1] + (len(line.text.split()) if line.kind is None else 0))
    parts = [[a, b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    i = 0
    while i < len(parts) and len(parts) > 1:
        start, end = parts[i]
        words = cum[end] - cum[start]
        if words >= min_words or (words >= min_brief_words and _has_header(lines, start, end)):
            i += 1
            continue
        opens_article = i == 0 or _has_header(lines, start, end) or is_headline_shaped(lines[start].text)
        if i + 1 < len(parts) and opens_article:
            parts[i + 1][0] = start
        else:
            parts[i - 1][1] = end
        del parts[i]
        i = max(0, i - 1)
    return [a for a, _ in parts]


def find_splits(
    lines: list[Line], *, max_parts: int, max_overlap: float, min_words: int = 0, min_brief_words: int = 0
) -> list[int]:
    """Indices where a new article starts (not 0): each part has a body and enough words."""
    starts = _candidates(lines, max_overlap)
    valid = [0]
    bounds = [*starts[1:], len(lines)]
    for start, end in zip(starts[1:], bounds[1:], strict=True):
        if any(is_body(x) for x in lines[start:end]) and len(valid) < max_parts:
            valid.append(start)
    if min_words > 0:
        valid = _merge_short(lines, valid, min_words, min_brief_words)
    return valid[1:]
