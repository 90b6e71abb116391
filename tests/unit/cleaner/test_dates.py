"""Language-aware date parsing against tests/data/cleaner/dates.json."""

from __future__ import annotations

import json

import pytest

from services.cleaner.dates import parse_date
from tests.unit.cleaner.cases import DATA

CASES = json.loads((DATA / "dates.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_date(text: str, expected: str | None) -> None:
    """Each stamp parses to the expected UTC instant, or to None."""
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected
