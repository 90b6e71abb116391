"""Learned boilerplate: BoilerplateMemory over an injected mapping, and clean() using it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from services.cleaner.logic import BoilerplateMemory, clean
from services.cleaner.memory import line_key
from services.core.models import CleanArticle, RawArticle, Source, Timestamps
from tests.unit.cleaner.cases import DATA, NOW

SPEC = json.loads((DATA / "learned.json").read_text(encoding="utf-8"))


def _raw(name: str) -> RawArticle:
    """A RawArticle for one learned-corpus file."""
    text = (DATA / "learned" / name).read_text(encoding="utf-8")
    return RawArticle(
        article_id=name,
        source=Source(uri=f"learned/{name}"),
        text=text,
        timestamps=Timestamps(ingested=NOW),
    )


def _memory(storage: dict[str, dict[str, float]]) -> BoilerplateMemory:
    """The memory configured as the spec says."""
    return BoilerplateMemory(storage, threshold=SPEC["threshold"], window_seconds=SPEC["window_seconds"])


def _clean_one(name: str, memory: BoilerplateMemory, minutes: int) -> CleanArticle:
    """Clean one learned-corpus file `minutes` after NOW and return its single article."""
    result = clean(_raw(name), now=NOW + timedelta(minutes=minutes), learned=memory)
    assert isinstance(result, list)
    assert len(result) == 1
    return result[0]


def test_lines_become_learned_after_threshold_distinct_articles() -> None:
    """Recurring lines are kept before the threshold and cut as learned_boilerplate from then on."""
    storage: dict[str, dict[str, float]] = {}
    memory = _memory(storage)
    for n, name in enumerate(SPEC["inputs"], start=1):
        article = _clean_one(name, memory, minutes=n)
        learned = [r.text for r in article.removed if r.kind == "learned_boilerplate"]
        if n >= SPEC["learned_from_article"]:
            assert sorted(learned) == sorted(SPEC["learned_lines"])
            assert article.title == SPEC["titles"][n - 1]
            assert all(line not in article.text for line in SPEC["learned_lines"])
        else:
            assert learned == []
            assert SPEC["learned_lines"][1] in article.text
    json.dumps(storage)  # the stored state is JSON-serialisable


def test_same_article_replayed_counts_once() -> None:
    """Replaying one payload many times never makes its lines boilerplate."""
    memory = _memory({})
    for minute in range(5):
        article = _clean_one(SPEC["inputs"][0], memory, minutes=minute)
        assert not any(r.kind == "learned_boilerplate" for r in article.removed)


def test_window_expires_old_sightings_and_prune_drops_them() -> None:
    """Sightings older than the window no longer count, and prune() deletes stale keys."""
    storage: dict[str, dict[str, float]] = {}
    memory = _memory(storage)
    line = SPEC["learned_lines"][1]
    window = int(SPEC["window_seconds"] // 60)
    memory.observe([line], "a", NOW)
    memory.observe([line], "b", NOW)
    assert not memory.is_learned(line, NOW)
    later = NOW + timedelta(minutes=window + 5)
    memory.observe([line], "c", later)
    assert not memory.is_learned(line, later)
    memory.observe([line], "d", later)
    memory.observe([line], "e", later)
    assert memory.is_learned(line, later)
    assert memory.prune(later + timedelta(minutes=window + 1)) == 1
    assert line_key(line) not in storage


def test_storage_value_is_reassigned_not_mutated() -> None:
    """Each update stores a fresh dict, so a faust Table sees a __setitem__ for every change."""

    class Recording(dict[str, dict[str, float]]):
        """A dict that logs writes."""

        writes: list[str]

        def __setitem__(self, key: str, value: dict[str, float]) -> None:
            self.writes.append(key)
            super().__setitem__(key, value)

    storage = Recording()
    storage.writes = []
    memory = _memory(storage)
    memory.observe(["Support independent journalism", "x"], "a", NOW)
    assert storage.writes == [line_key("Support independent journalism")]


def test_digits_are_masked_and_long_lines_ignored() -> None:
    """Lines differing only in numbers share a key; long lines are never tracked."""
    assert line_key("Page 1 of 12") == line_key("page 2  of 13")
    memory = _memory({})
    assert memory.observe(["x" * 500], "a", NOW) == set()
    assert memory.storage == {}


def test_threshold_must_be_at_least_two() -> None:
    """A threshold of one article would make every line boilerplate."""
    with pytest.raises(ValueError, match="threshold"):
        BoilerplateMemory({}, threshold=1)


def test_prose_sentences_are_never_tracked() -> None:
    """A sentence of 8+ words with closing punctuation is content, however often it recurs."""
    memory = _memory({})
    sentence = "The council said the levy would be reviewed after one year."
    assert not memory.eligible(sentence)
    assert memory.eligible("Support independent journalism in the valley today")


def test_learned_removal_is_skipped_when_it_would_empty_the_article() -> None:
    """An article made only of learned lines keeps them and gets a flag instead."""
    memory = _memory({})
    text = (DATA / "learned" / "short.txt").read_text(encoding="utf-8")
    for n in range(SPEC["threshold"]):
        raw = RawArticle(
            article_id=f"s{n}",
            source=Source(uri=f"short/{n}"),
            text=text,
            timestamps=Timestamps(ingested=NOW),
        )
        result = clean(raw, now=NOW + timedelta(minutes=n), learned=memory)
        assert isinstance(result, list)
        last = result[0]
    assert last.text == "Strong winds expected until Sunday evening"
    assert last.flags == ["learned_boilerplate_skipped"]


def test_maybe_prune_forgets_stale_lines_at_most_hourly() -> None:
    """What the cleaner stage calls per article: a line unseen for the window leaves the table."""
    storage: dict[str, Any] = {}
    memory = _memory(storage)
    line = SPEC["learned_lines"][0]
    memory.observe([line], "a", NOW)
    assert memory.maybe_prune(NOW) == 0 and "meta:pruned" in storage
    week = NOW + timedelta(days=7)
    assert memory.maybe_prune(week - timedelta(minutes=1)) == 1, "due: the stale line is dropped"
    memory.observe([line], "b", week)
    assert memory.maybe_prune(week + timedelta(minutes=10)) == 0, "not due again within the hour"
    assert [k for k in storage if not k.startswith("meta:")], "the fresh sighting stays"
