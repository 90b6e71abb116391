"""Assemble one article from its lines: blocks, learned lines, title, lead, dateline, dedupe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.cleaner.patterns import RuleSet, is_headline_shaped, is_label, starts_block
from services.cleaner.segment import Line, dateline_city, is_body, is_bullet, norm, strip_bullet

BLOCK_MAX_LINES = 10


@dataclass
class Part:
    """The cleaned pieces of one article before it becomes a CleanArticle."""

    paragraphs: list[str]
    removed: list[tuple[str, str]]
    title: str | None = None
    dateline: str | None = None
    published: datetime | None = None
    lead: list[str] = field(default_factory=list)


def expand_blocks(lines: list[Line], rules: RuleSet) -> None:
    """Mark a related-links / most-read block: its opening line and the short lines after it."""
    known: dict[str, bool] = {}  # a repeated line is looked up once

    def opens(text: str) -> bool:
        found = known.get(text)
        if found is None:
            found = known[text] = starts_block(text, rules)
        return found

    i = 0
    while i < len(lines):
        if lines[i].kind in (None, "boilerplate") and opens(lines[i].text):
            lines[i].kind = "boilerplate"
            j = i + 1
            while j < len(lines) and j - i <= BLOCK_MAX_LINES and lines[j].gap < 2:
                nxt = lines[j]
                if nxt.kind is None and not (is_headline_shaped(nxt.text) or is_bullet(nxt.text)):
                    break
                if nxt.kind is None:
                    nxt.kind = "boilerplate"
                j += 1
            i = j
        else:
            i += 1


def mark_learned(lines: list[Line], is_learned: Callable[[str], bool]) -> bool:
    """Mark content lines the memory has learned, unless that would leave no body; True if skipped."""
    hits = [line for line in lines if line.kind is None and is_learned(line.text)]
    hit_ids = {id(x) for x in hits}
    if hits and not any(is_body(x) for x in lines if x.kind is None and id(x) not in hit_ids):
        return True
    for line in hits:
        line.kind = "learned_boilerplate"
    return False


def _header(lines: list[Line]) -> tuple[int | None, int]:
    """Index of the title line (or None) and index of the first body paragraph (len when none)."""
    first_body = next((k for k, x in enumerate(lines) if is_body(x)), len(lines))
    first = next((k for k, x in enumerate(lines) if x.kind is None), None)
    if first is None or first >= first_body:
        return None, first_body
    if not (is_headline_shaped(lines[first].text) or is_label(lines[first].text)):
        return None, first_body
    return first, first_body


def assemble(lines: list[Line], *, min_dedupe_chars: int, record_title: str | None = None) -> Part:
    """Turn classified lines of one article into title, lead, body paragraphs and removals.

    With the record's own title (a feed's, a ``.jsonl`` record's) no line of the text is taken for
    the title: a headline-shaped first line is body (often the wrapped start of the lead), unless
    it repeats that title.
    """
    title_idx, first_body = _header(lines)
    found = lines[title_idx].text if title_idx is not None else None
    if record_title is not None and found is not None and norm(found) != norm(record_title):
        title_idx = None
    title = lines[title_idx].text if title_idx is not None else record_title
    title_key = norm(title) if title else None
    lead: list[str] = []
    paragraphs: list[str] = []
    removed: list[tuple[str, str]] = []
    seen: set[str] = set()
    published: datetime | None = None
    for k, line in enumerate(lines):
        if k == title_idx:
            continue
        if line.kind == "timestamp" and published is None and line.date is not None:
            published = line.date
        if line.kind is None and title_key is not None and norm(line.text) == title_key:
            line.kind = "repeated_title"
        if line.kind is not None:
            removed.append((line.kind, line.text))
            continue
        if k < first_body and is_bullet(line.text):
            lead.append(strip_bullet(line.text))
            continue
        key = norm(line.text)
        if len(key) >= min_dedupe_chars and key in seen:
            removed.append(("repeated_paragraph", line.text))
            continue
        seen.add(key)
        paragraphs.append(line.text)
    dateline = next((dateline_city(x.text) for x in lines[first_body : first_body + 1]), None)
    if not paragraphs and lead:
        paragraphs, lead = list(lead), []
    return Part(paragraphs, removed, title, dateline, published, lead)
