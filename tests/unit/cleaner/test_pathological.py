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
    """A single 1M-character line of words is cut to max_line_chars with a flag."""
    result = clean(_raw("lorem ipsum dolor " * 55_556), now=NOW)
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
    """45k short repeated lines (just under 2 MiB) are deduplicated into one paragraph."""
    text = "\n".join(["The same sentence appears again and again."] * 45_000)
    result = clean(_raw(text), now=NOW)
    assert isinstance(result, list)
    assert result[0].text == "The same sentence appears again and again."
    assert len(result[0].removed) == 44_999


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
