"""Public API of services.cleaner.logic: ids, provenance, timestamps, counts, timer, config."""

from __future__ import annotations

import json

from services.cleaner.logic import CleanerConfig, StepTimer, clean, removal_counts
from services.cleaner.patterns import BOILERPLATE_PATH
from services.cleaner.profiling import STEPS
from services.core.models import CleanArticle
from tests.unit.cleaner.cases import NOW, Case, load_cases

CASES = {c.name: c for c in load_cases()}


def _articles(name: str) -> list[CleanArticle]:
    """Clean a named case that must produce articles."""
    result = CASES[name].run()
    assert isinstance(result, list)
    return result


def test_split_parts_keep_provenance_and_timestamps() -> None:
    """Split parts share parent, source uri and ingestion time; cleaned is `now`."""
    case: Case = CASES["seed_003"]
    parts = _articles("seed_003")
    assert [a.article_id for a in parts] == ["seed_003.p1", "seed_003.p2"]
    for article in parts:
        assert article.source.uri == case.spec["input"]
        assert article.timestamps.ingested == case.raw.timestamps.ingested
        assert article.timestamps.cleaned == NOW
        assert "\n\n\n" not in article.text


def test_removal_counts_sums_kinds_over_articles() -> None:
    """removal_counts adds up removal kinds over every article given."""
    counts = removal_counts(_articles("seed_003"))
    assert counts == {"caption": 1, "boilerplate": 3, "timestamp": 2, "repeated_title": 2}
    assert removal_counts([]) == {}


def test_split_can_be_disabled() -> None:
    """split_glued=False keeps a glued payload as one article."""
    result = clean(CASES["seed_003"].raw, now=NOW, config=CleanerConfig(split_glued=False))
    assert isinstance(result, list)
    assert len(result) == 1


def test_timer_accumulates_every_step() -> None:
    """A StepTimer passed to clean() records time for the steps that ran."""
    timer = StepTimer()
    for name in ("seed_003", "c02_html_full_en"):
        clean(CASES[name].raw, now=NOW, config=CASES[name].config, timer=timer)
    assert set(STEPS) <= set(timer.seconds)
    assert abs(sum(timer.shares().values()) - 1.0) < 1e-9


def test_boilerplate_data_file_lists_english_and_german() -> None:
    """Patterns live in the data file, per language."""
    data = json.loads(BOILERPLATE_PATH.read_text(encoding="utf-8"))
    assert {"en", "de"} <= set(data["languages"])
    for lang in data["languages"].values():
        assert {r["kind"] for r in lang["rules"]} >= {
            "boilerplate",
            "timestamp",
            "caption",
            "byline",
        }


def test_clean_is_deterministic_and_pure() -> None:
    """Cleaning the same input twice gives equal results (no hidden state)."""
    first = _articles("c16_repeated_paragraphs_en")
    second = _articles("c16_repeated_paragraphs_en")
    assert first == second
