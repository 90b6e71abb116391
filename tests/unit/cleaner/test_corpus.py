"""The seeds and the dirty-input corpus, each checked against its expected-result data file."""

from __future__ import annotations

import pytest

from services.core.outcomes import Rejection
from tests.unit.cleaner.cases import Case, check_article, load_cases

CASES = load_cases()


def test_corpus_is_large_enough() -> None:
    """The five seeds plus at least 30 further inputs have expected results."""
    seeds = [c for c in CASES if c.spec["input"].startswith("seeds/")]
    assert len(seeds) == 5
    assert len(CASES) - len(seeds) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case) -> None:
    """clean() gives the expected rejection, or the expected parts and article fields."""
    result = case.run()
    expect = case.spec["expect"]
    if "rejection" in expect:
        assert isinstance(result, Rejection)
        assert result.reason == expect["rejection"]
        return
    assert isinstance(result, list), result
    assert len(result) == expect["parts"]
    assert len(expect["articles"]) == expect["parts"]
    for n, (article, want) in enumerate(zip(result, expect["articles"], strict=True), start=1):
        assert article.source.part == n
        assert article.source.parts == expect["parts"]
        assert article.parent_id == case.name
        assert article.article_id == (case.name if expect["parts"] == 1 else f"{case.name}.p{n}")
        check_article(article, want)
