"""Pathological and oversized inputs finish with a clear outcome (asserting results, not time)."""

from __future__ import annotations

import base64

import pytest

from services.cleaner.logic import CleanerConfig, clean
from services.cleaner.patterns import classify_line, load_rules
from services.core.models import RawArticle, Source, Timestamps
from services.core.outcomes import Rejection
from tests.unit.cleaner.cases import NOW


def _raw(text: str, encoding: str = "utf-8") -> RawArticle:
    """A RawArticle around generated text."""
    return RawArticle(
        article_id="gen",
        source=Source(uri="gen"),
        encoding=encoding,
        text=text,
        timestamps=Timestamps(ingested=NOW),
    )


def test_million_repeated_characters_are_collapsed() -> None:
    """One line of 1M identical characters becomes a short run with a flag."""
    result = clean(_raw("a" * 1_000_000), now=NOW)
    assert isinstance(result, list)
    assert result[0].text == "a" * CleanerConfig().max_char_run
    assert "char_run_collapsed" in result[0].flags


def test_million_char_line_of_words_is_truncated() -> None:
    """A single 1M-character line of words (no phrase repeated in a row) is cut to max_line_chars."""
    text = " ".join(f"lorem{n} ipsum dolor" for n in range(55_556))
    assert len(text) > 1_000_000
    result = clean(_raw(text), now=NOW)
    assert isinstance(result, list)
    assert len(result[0].text) <= CleanerConfig().max_line_chars
    assert "long_line_truncated" in result[0].flags


@pytest.mark.parametrize("unit", ["Read more ", "By (AFP) ", "cookies accept ", "Updated 1 ", "(", "a:"])
def test_adversarial_repetitions_do_not_backtrack(unit: str) -> None:
    """Inputs built from pattern fragments, 1M characters long, still give a result."""
    text = unit * (1_000_000 // len(unit))
    result = clean(_raw(text), now=NOW)
    assert isinstance(result, list) or result.reason in ("only_boilerplate", "no_words")


def test_many_short_lines() -> None:
    """45k repeated lines, two sentences taking turns (just under 2 MiB): each paragraph kept once."""
    first, second = "The same sentence appears again and again.", "Another sentence comes back as well."
    text = "\n".join([first, second] * 22_500)
    result = clean(_raw(text), now=NOW)
    assert isinstance(result, list)
    assert result[0].text == f"{first}\n\n{second}"
    assert len(result[0].removed) == 44_998
    assert {r.kind for r in result[0].removed} == {"repeated_paragraph"}


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_a_line_repeated_in_a_row_is_kept_once(sep: str) -> None:
    """More than max_line_run copies of one line in a row: one copy, flagged, nothing listed per copy."""
    text = sep.join(["Rain fell."] * 100_000)
    result = clean(_raw(text), now=NOW)
    assert isinstance(result, list)
    assert result[0].text == "Rain fell."
    assert "line_run_collapsed" in result[0].flags
    assert result[0].removed == []


def test_a_few_copies_in_a_row_are_not_a_run() -> None:
    """Up to max_line_run copies in a row are left to the paragraph dedupe (short lines stay)."""
    runs = CleanerConfig().max_line_run
    body = "The council met on Monday and approved the new harbour budget after a long debate."
    text = "\n".join([body, *["Yes."] * runs])
    result = clean(_raw(text), now=NOW)
    assert isinstance(result, list)
    assert result[0].text.count("Yes.") == runs
    assert "line_run_collapsed" not in result[0].flags


@pytest.mark.parametrize(
    ("unit", "kept"),
    [("Share ", "Share"), ("Share on Facebook ", "Share on Facebook"), ("ha ", "ha")],
)
def test_a_phrase_repeated_in_a_row_is_cut_to_one_copy(unit: str, kept: str) -> None:
    """More than max_phrase_run copies in a row of a 1-4 word phrase become one copy, flagged."""
    body = "The council met on Monday and approved the new harbour budget after a long debate."
    result = clean(_raw(f"{body}\nIt said {unit * 40_000}and left."), now=NOW)
    assert isinstance(result, list)
    assert result[0].text.endswith(f"It said {kept} and left.")
    assert "word_run_collapsed" in result[0].flags


def test_ten_copies_of_a_phrase_are_kept() -> None:
    """A phrase repeated up to max_phrase_run times in a row is text, not a run."""
    body = "The council met on Monday and approved the new harbour budget after a long debate."
    line = "They chanted " + "no more " * CleanerConfig().max_phrase_run + "and went home."
    result = clean(_raw(f"{body}\n{line}"), now=NOW)
    assert isinstance(result, list)
    assert line in result[0].text
    assert "word_run_collapsed" not in result[0].flags


def test_a_lone_lowercase_word_is_no_article() -> None:
    """One word and 1 MB of spaces: a label, not an article (as for a capitalised word)."""
    for word in ("start", "Start"):
        result = clean(_raw(word + " " * 1_000_000), now=NOW)
        assert isinstance(result, Rejection)
        assert result.reason == "only_boilerplate"


@pytest.mark.parametrize("line_len", [399, 400, 401, 5000])
def test_rules_on_worst_case_lines(line_len: int) -> None:
    """Every rule fullmatches a max-length line of near-miss text and returns content."""
    rules = load_rules()
    line = ("Published by " + "x(" * line_len)[:line_len]
    assert classify_line(line, rules) is None


def test_default_size_limit_rejects_over_two_mebibytes() -> None:
    """The default 2 MiB limit rejects a bigger payload (text and base64)."""
    big = "x" * (2 * 1024 * 1024 + 1)
    result = clean(_raw(big), now=NOW)
    assert isinstance(result, Rejection)
    assert result.reason == "payload_too_large"
    encoded = base64.b64encode(big.encode()).decode()
    result = clean(_raw(encoded, encoding="base64"), now=NOW)
    assert isinstance(result, Rejection)
    assert result.reason == "payload_too_large"


def test_multibyte_text_counted_in_bytes() -> None:
    """The limit is on UTF-8 bytes, not characters."""
    text = "ä" * 600
    assert isinstance(clean(_raw(text), now=NOW, config=CleanerConfig(max_payload_bytes=1000)), Rejection)
    assert isinstance(clean(_raw(text), now=NOW, config=CleanerConfig(max_payload_bytes=1200)), list)
