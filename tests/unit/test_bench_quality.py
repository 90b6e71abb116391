"""The quality gate of the benchmark report: figures against their baseline, duplicate recall."""

from __future__ import annotations

from bench.quality import TOLERANCE, duplicate_quality, gate
from services.loadtest.generator import Variant


def variant(index: int, kind: str) -> Variant:
    """A generated payload of one kind (its text does not matter here)."""
    return Variant(index, f"gen/{index}.txt", "text", kind, "en", None if kind == "unique" else 0)  # type: ignore[arg-type]


def test_a_figure_within_the_tolerance_passes_and_one_beyond_it_fails() -> None:
    baseline = {"story": {"f1": 0.60}, "tagger": {"language_accuracy": 1.0}}
    close = gate({"story": {"f1": 0.60 - TOLERANCE / 2}, "tagger": {"language_accuracy": 1.0}}, baseline)
    far = gate({"story": {"f1": 0.60 - 2 * TOLERANCE}, "tagger": {"language_accuracy": 1.0}}, baseline)
    assert close["passed"] and close["figures"]["story.f1"]["within_tolerance"]
    assert not far["passed"]
    assert far["figures"]["story.f1"] == {
        "before": 0.6,
        "after": 0.58,
        "delta": -0.02,
        "within_tolerance": False,
    }
    assert far["figures"]["tagger.language_accuracy"]["within_tolerance"]


def test_a_skipped_group_or_a_missing_baseline_does_not_pass() -> None:
    skipped = gate(
        {"story": None, "tagger": {"language_accuracy": 1.0}}, {"tagger": {"language_accuracy": 1.0}}
    )
    unrecorded = gate({"tagger": {"language_accuracy": 1.0}}, {})
    assert skipped["skipped"] == ["story"] and not skipped["passed"]
    assert unrecorded["figures"]["tagger.language_accuracy"]["before"] is None
    assert not unrecorded["passed"]


def test_a_baseline_figure_no_longer_measured_does_not_pass() -> None:
    baseline = {"tagger": {"language_accuracy": 1.0, "entity_f1": 0.9}}
    report = gate({"tagger": {"language_accuracy": 1.0}}, baseline)
    assert report["missing"] == ["tagger.entity_f1"]
    assert not report["passed"]


def test_duplicate_recall_counts_each_payload_once_by_its_first_part() -> None:
    variants = [
        variant(0, "unique"),
        variant(1, "exact"),
        variant(2, "near"),
        variant(3, "near"),
        variant(4, "unique"),
    ]
    verdicts = [
        ("gen/0.txt", "unique"),
        ("gen/1.txt", "exact"),
        ("gen/2.txt", "near"),
        ("gen/2.txt", "unique"),  # a later part of the same payload: not counted
        ("gen/3.txt", "same_story"),
        ("gen/4.txt", "near"),
    ]
    figures = duplicate_quality(variants, verdicts)
    assert figures == {"exact_recall": 1.0, "near_recall": 0.5, "recombined_marked_duplicate": 0.5}
