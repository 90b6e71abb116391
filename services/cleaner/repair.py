"""Text repair: mojibake (ftfy), Unicode normalisation, control chars, whitespace, long runs."""

from __future__ import annotations

import html
import operator
import re
import unicodedata
from functools import lru_cache

import ftfy

_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
# Zero-width and invisible characters to drop; ZWJ/ZWNJ and bidi marks stay (Arabic, Indic, emoji).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad\ufffd"), None)
_SPACES = dict.fromkeys((9, 11, 12, 160, 5760, *range(8192, 8203), 8239, 8287, 12288), " ")
_C0 = dict.fromkeys((*range(0, 9), *range(14, 32), 127))
_CONTROLS = dict.fromkeys((*_C0, *range(128, 160)))  # C1 only after ftfy: they are mojibake evidence
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\u0085]")
_MULTISPACE = re.compile(r" {2,}")
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;?]{0,20}[A-Za-z]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")


@lru_cache(maxsize=8)
def _run_pattern(max_run: int) -> re.Pattern[str]:
    """A run of one character longer than max_run (backtracking bounded by the run length)."""
    return re.compile(rf"(.)\1{{{max_run},}}", re.DOTALL)


def _collapse_runs(text: str, max_run: int) -> tuple[str, bool]:
    """Shorten runs of one repeated character to max_run characters."""
    collapsed, count = _run_pattern(max_run).subn(lambda m: m.group(1) * max_run, text)
    return collapsed, count > 0


@lru_cache(maxsize=8)
def _phrase_run_pattern(max_run: int) -> re.Pattern[str]:
    """More than max_run copies in a row of a phrase of one to four words (of at most 40 characters).

    Possessive words: a shorter try of a word is never made, so the scan stays linear.
    """
    return re.compile(rf"(?<!\S)((?:\S{{1,40}}+ ++){{1,4}}?)\1{{{max_run},}}")


def _has_phrase_run(tokens: list[str], max_run: int) -> bool:
    """Cheap necessary condition: some stride of 1-4 tokens repeats max_run × stride times in a row."""
    for stride in range(1, 5):
        need = max_run * stride
        if len(tokens) < need + stride:
            return False
        if b"\x01" * need in bytes(map(operator.eq, tokens, tokens[stride:])):
            return True
    return False


def _collapse_phrase_runs(line: str, max_run: int) -> tuple[str, bool]:
    """Cut a run of more than max_run copies of a short phrase ("Share Share …") to one copy.

    ``line`` has single spaces between words (runs of spaces are already collapsed).
    """
    if len(line) <= 2 * max_run or not _has_phrase_run(line.split(" "), max_run):
        return line, False
    pattern, changed = _phrase_run_pattern(max_run), False
    while True:  # cutting runs may line up a new one ("x x … y x x … y"): until none is left
        collapsed, count = pattern.subn(lambda m: m.group(1), line + " ")
        if not count:
            return line, changed
        line, changed = collapsed[:-1], True


def collapse_line_runs(lines: list[str], max_run: int) -> tuple[list[str], bool]:
    """Keep one copy of a line repeated more than max_run times in a row (blank lines between allowed)."""
    out: list[str] = []
    changed = False
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line:
            out.append(line)
            i += 1
            continue
        count, last, k = 1, i, i + 1
        while k < n and (not lines[k] or lines[k] == line):
            if lines[k]:
                count, last = count + 1, k
            k += 1
        if count > max_run:
            out.append(line)
            changed = True
        else:
            out.extend(lines[i : last + 1])
        i = last + 1
    return out, changed


def _fix_mojibake(text: str) -> str:
    """``ftfy.fix_text`` segment by segment (lines, as ftfy cuts them), once per distinct non-ASCII line.

    With this configuration ftfy's fixers only act on non-ASCII text, so ASCII lines are skipped,
    and a line repeated many times is fixed once: the same result as one ``fix_text`` call.
    """
    if text.isascii():
        return text
    pieces = text.split("\n")
    segments = [f"{piece}\n" for piece in pieces[:-1]]
    if pieces[-1]:
        segments.append(pieces[-1])
    fixed: dict[str, str] = {}
    out: list[str] = []
    for segment in segments:
        if segment.isascii():
            out.append(segment)
            continue
        done = fixed.get(segment)
        if done is None:
            done = fixed[segment] = ftfy.fix_text(segment, _FTFY)
        out.append(done)
    return "".join(out)


def _characters(text: str, max_char_run: int, flags: list[str]) -> tuple[str, bool]:
    """Mojibake, line breaks, entities, NFC, controls, invisibles, spaces, runs; also whether any
    step after ftfy changed the text (then ftfy may have more to fix)."""
    fixed = _fix_mojibake(text)
    if fixed != text and "mojibake_repaired" not in flags:
        flags.append("mojibake_repaired")
    text = _LINE_BREAKS.sub("\n", fixed)
    if _ENTITY.search(text):
        unescaped = html.unescape(text)
        if unescaped != text:
            if "html_entities_unescaped" not in flags:
                flags.append("html_entities_unescaped")
            text = unescaped
    text = unicodedata.normalize("NFC", text)
    stripped = text.translate(_CONTROLS)
    if len(stripped) != len(text) and "control_chars_removed" not in flags:
        flags.append("control_chars_removed")
    text, changed = _collapse_runs(stripped.translate(_INVISIBLE).translate(_SPACES), max_char_run)
    if changed and "char_run_collapsed" not in flags:  # a run the removals above joined
        flags.append("char_run_collapsed")
    return text, text != fixed and not text.isascii()


def repair_text(
    text: str, *, max_line_chars: int, max_char_run: int, max_phrase_run: int = 10, max_line_run: int = 10
) -> tuple[str, list[str]]:
    """Repair one payload's text and return it with the quality flags raised."""
    flags: list[str] = []
    text, changed = _collapse_runs(text, max_char_run)
    if changed:
        flags.append("char_run_collapsed")
    if "\x1b" in text:
        text = _TERMINAL_ESCAPE.sub("", text)
        flags.append("control_chars_removed")
    without_c0 = text.translate(_C0)  # before ftfy, so that a second repair sees the same text
    if len(without_c0) != len(text) and "control_chars_removed" not in flags:
        flags.append("control_chars_removed")
    text = without_c0
    text, again = _characters(text, max_char_run, flags)
    for _ in range(3):  # what was removed after ftfy may line up new mojibake ("\xadÂ\x80"): fix again
        if not again:
            break
        text, again = _characters(text, max_char_run, flags)
    lines: list[str] = []
    truncated = collapsed = False
    for line in text.split("\n"):
        line, changed = _collapse_phrase_runs(_MULTISPACE.sub(" ", line), max_phrase_run)
        collapsed = collapsed or changed
        if len(line) > max_line_chars:
            line = line[:max_line_chars]
            truncated = True
        lines.append(line.strip())
    if collapsed:
        flags.append("word_run_collapsed")
    if truncated:
        flags.append("long_line_truncated")
    lines, changed = collapse_line_runs(lines, max_line_run)
    if changed:
        flags.append("line_run_collapsed")
    return "\n".join(lines), flags


def join_hard_wraps(lines: list[str]) -> tuple[list[str], bool]:
    """Re-join hard wraps: a 40-100 char line without end punctuation, then a lower-case line.

    A shorter line (15+ chars) counts too when the lower-case line after it is itself wrapped
    (40+ chars): the first line of wire copy whose dateline was cut off ("Britain and Japan agreed
    to operate 12" / "flights a week over Siberia ...") is short, and is not a headline.
    """
    out: list[str] = []
    joined = False
    last = ""
    for line in lines:
        if (
            line
            and out
            and out[-1]
            and (40 <= len(last) <= 100 or (15 <= len(last) < 40 and len(line) >= 40))
            and last[-1] not in '.!?:;"”»“'
            and line[0].islower()
        ):
            out[-1] = f"{out[-1]} {line}"
            joined = True
        else:
            out.append(line)
        last = line
    return out, joined
