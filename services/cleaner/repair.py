"""Text repair: mojibake (ftfy), Unicode normalisation, control chars, whitespace, long runs."""

from __future__ import annotations

import html
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
_CONTROLS = dict.fromkeys((*range(0, 9), *range(14, 32), 127, *range(128, 160)))
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


def repair_text(text: str, *, max_line_chars: int, max_char_run: int) -> tuple[str, list[str]]:
    """Repair one payload's text and return it with the quality flags raised."""
    flags: list[str] = []
    text, changed = _collapse_runs(text, max_char_run)
    if changed:
        flags.append("char_run_collapsed")
    if "\x1b" in text:
        text = _TERMINAL_ESCAPE.sub("", text)
        flags.append("control_chars_removed")
    fixed = ftfy.fix_text(text, _FTFY)
    if fixed != text:
        flags.append("mojibake_repaired")
    text = _LINE_BREAKS.sub("\n", fixed)
    if _ENTITY.search(text):
        unescaped = html.unescape(text)
        if unescaped != text:
            flags.append("html_entities_unescaped")
            text = unescaped
    text = unicodedata.normalize("NFC", text)
    stripped = text.translate(_CONTROLS)
    if len(stripped) != len(text) and "control_chars_removed" not in flags:
        flags.append("control_chars_removed")
    text = stripped.translate(_INVISIBLE).translate(_SPACES)
    lines: list[str] = []
    truncated = False
    for line in text.split("\n"):
        if len(line) > max_line_chars:
            line = line[:max_line_chars]
            truncated = True
        lines.append(_MULTISPACE.sub(" ", line).strip())
    if truncated:
        flags.append("long_line_truncated")
    return "\n".join(lines), flags


def join_hard_wraps(lines: list[str]) -> tuple[list[str], bool]:
    """Re-join hard wraps: a 40-100 char line without end punctuation, then a lower-case line."""
    out: list[str] = []
    joined = False
    last = ""
    for line in lines:
        if (
            line
            and out
            and out[-1]
            and 40 <= len(last) <= 100
            and last[-1] not in '.!?:;"”»“'
            and line[0].islower()
        ):
            out[-1] = f"{out[-1]} {line}"
            joined = True
        else:
            out.append(line)
        last = line
    return out, joined
