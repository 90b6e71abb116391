"""Cleaner stage pure logic: RawArticle in, clean articles or a Rejection out. No I/O, no faust."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.cleaner.article import Part, assemble, expand_blocks, mark_learned
from services.cleaner.dates import DATES_PATH
from services.cleaner.decode import decode_payload
from services.cleaner.htmlextract import extract_html, html_published, looks_like_html
from services.cleaner.memory import BoilerplateMemory, article_key, line_key, source_key
from services.cleaner.patterns import BOILERPLATE_PATH, load_rules, split_inline
from services.cleaner.profiling import StepTimer, maybe_step
from services.cleaner.repair import join_hard_wraps, repair_text
from services.cleaner.segment import Line, build_lines, find_splits, mark_repeats
from services.core.models import CleanArticle, RawArticle, Removal
from services.core.outcomes import Rejection

__all__ = ["BoilerplateMemory", "CleanerConfig", "StepTimer", "clean", "removal_counts"]


@dataclass(frozen=True)
class CleanerConfig:
    """Tunables of the cleaner; every field has a production default."""

    max_payload_bytes: int = 2 * 1024 * 1024
    max_line_chars: int = 50_000
    max_char_run: int = 100
    max_phrase_run: int = 10  # more copies in a row of a 1-4 word phrase: one kept, word_run_collapsed
    max_line_run: int = 10  # more copies in a row of one line: one kept, line_run_collapsed
    max_parts: int = 500  # more glued parts than this: the last holds the rest, flagged split_limit_reached
    split_glued: bool = True
    topic_shift_max_overlap: float = 0.1
    min_dedupe_chars: int = 20
    min_part_words: int = 40
    min_brief_words: int = 20
    classify_features: bool = True
    boilerplate_path: Path = BOILERPLATE_PATH
    dates_path: Path = DATES_PATH


def repair(text: str, config: CleanerConfig) -> tuple[str, list[str]]:
    """The cleaner's text repair with this configuration's limits (the text and its flags)."""
    return repair_text(
        text,
        max_line_chars=config.max_line_chars,
        max_char_run=config.max_char_run,
        max_phrase_run=config.max_phrase_run,
        max_line_run=config.max_line_run,
    )


def removal_counts(articles: Iterable[CleanArticle]) -> dict[str, int]:
    """Count removals by kind over some clean articles (for a metric labelled by kind)."""
    counts: Counter[str] = Counter(r.kind for a in articles for r in a.removed)
    return dict(counts)


def _observe(
    lines: list[Line], raw: RawArticle, source: str, now: datetime, memory: BoilerplateMemory
) -> set[str]:
    """Feed the memory the payload's content lines for its source; return the keys learned as boilerplate."""
    content = [x.text for x in lines if x.kind is None]
    return memory.observe(content, article_key(raw.source.uri, raw.source.record_id), now, source)


def _to_text(
    raw: RawArticle, config: CleanerConfig, timer: StepTimer | None
) -> tuple[str, list[str], datetime | None] | Rejection:
    """Decode, extract HTML and repair; return the clean text, flags and a page date, or a Rejection."""
    with maybe_step(timer, "repair"):
        decoded = decode_payload(raw.text, raw.encoding, config.max_payload_bytes)
    if isinstance(decoded, Rejection):
        return decoded
    text, flags = decoded.text, list(decoded.flags)
    page_published: datetime | None = None
    if not text.strip():
        return Rejection("empty_text", "payload is empty or whitespace only")
    if looks_like_html(text, raw.content_type):
        with maybe_step(timer, "html_extraction"):
            extracted = extract_html(text)
        if extracted is None:
            return Rejection("html_no_text", "HTML payload has no extractable article text")
        page_published = html_published(text)
        text = extracted
        flags.append("html_extracted")
    with maybe_step(timer, "repair"):
        text, repair_flags = repair(text, config)
        raw_lines, joined = join_hard_wraps(text.split("\n"))
    flags.extend(repair_flags)
    if joined:
        flags.append("hard_wraps_joined")
    if not any(raw_lines):
        return Rejection("empty_text", "payload has no visible text after repair")
    return "\n".join(raw_lines), flags, page_published


def clean(
    raw: RawArticle,
    *,
    now: datetime,
    config: CleanerConfig = CleanerConfig(),
    learned: BoilerplateMemory | None = None,
    timer: StepTimer | None = None,
) -> list[CleanArticle] | Rejection:
    """Clean one raw payload into one or more clean articles, or reject it."""
    prepared = _to_text(raw, config, timer)
    if isinstance(prepared, Rejection):
        return prepared
    text, flags, page_published = prepared
    if not any(ch.isalpha() for ch in text):
        return Rejection("no_words", "the text has no letters: only numbers, punctuation or symbols")
    rules = load_rules(config.boilerplate_path, config.dates_path)
    with maybe_step(timer, "boilerplate"):
        lines = build_lines(split_inline(text.split("\n"), rules), rules, features=config.classify_features)
        source = source_key(raw.source)
        learned_keys = _observe(lines, raw, source, now, learned) if learned is not None else set()
    with maybe_step(timer, "dedupe_paragraphs"):
        mark_repeats(lines, config.min_dedupe_chars)
    with maybe_step(timer, "split"):
        starts = (
            find_splits(
                lines,
                max_parts=config.max_parts,
                max_overlap=config.topic_shift_max_overlap,
                min_words=config.min_part_words,
                min_brief_words=config.min_brief_words,
            )
            if config.split_glued
            else []
        )
    if len(starts) >= config.max_parts - 1:
        flags.append("split_limit_reached")  # said, never silent: the last part holds the rest
    bounds = list(zip([0, *starts], [*starts, len(lines)], strict=True))
    parts: list[Part] = []
    for start, end in bounds:
        chunk = lines[start:end]
        with maybe_step(timer, "boilerplate"):
            expand_blocks(chunk, rules)
            if learned_keys and mark_learned(chunk, lambda s: line_key(s, source) in learned_keys):
                flags.append("learned_boilerplate_skipped")
        with maybe_step(timer, "dedupe_paragraphs"):
            own_title = raw.title if len(bounds) == 1 else None  # a glued payload's parts have their own
            part = assemble(chunk, min_dedupe_chars=config.min_dedupe_chars, record_title=own_title)
        if part.paragraphs:
            parts.append(part)
    if not parts:
        return Rejection("only_boilerplate", "every line of the payload was boilerplate")
    with maybe_step(timer, "metadata"):
        return _articles(raw, now, parts, flags, page_published, config.min_part_words)


def _articles(
    raw: RawArticle,
    now: datetime,
    parts: list[Part],
    flags: list[str],
    page_published: datetime | None,
    min_part_words: int,
) -> list[CleanArticle]:
    """Build the CleanArticle events for the parts of one payload (a page's own date wins)."""
    total = len(parts)
    part_flags = [*flags, "split_from_glued"] if total > 1 else flags
    out: list[CleanArticle] = []
    for n, part in enumerate(parts, start=1):
        words = sum(len(p.split()) for p in part.paragraphs)
        own_flags = [*part_flags, "short_part"] if total > 1 and words < min_part_words else part_flags
        out.append(
            CleanArticle(
                article_id=raw.article_id if total == 1 else f"{raw.article_id}.p{n}",
                parent_id=raw.article_id,
                source=raw.source.model_copy(update={"part": n, "parts": total}),
                title=raw.title if raw.title and total == 1 else part.title,
                dateline=part.dateline,
                published=raw.published or page_published or part.published,
                lead=part.lead,
                text="\n\n".join(part.paragraphs),
                removed=[Removal(kind=k, text=t) for k, t in part.removed],
                flags=list(dict.fromkeys(own_flags)),
                timestamps=raw.timestamps.model_copy(update={"cleaned": now}),
            )
        )
    return out
