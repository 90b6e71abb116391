"""Entity linking: word boundaries, longest match, aliases across languages, unlinked candidates."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from services.tagger.entities import EntityLinker
from services.tagger.logic import Tagger

from .conftest import load_jsonl

CASES = load_jsonl("entity_cases.jsonl")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_entity_case(tagger: Tagger, case: dict[str, Any]) -> None:
    entities = tagger.linker.link(case["text"], case["lang"])
    ids = {e.id for e in entities}
    names = {e.name for e in entities}
    assert set(case["present"]) <= ids, ids
    assert not set(case["absent"]) & ids, ids
    assert not set(case["absent_names"]) & names, names


def test_counts_and_surface_forms_aggregate(tagger: Tagger) -> None:
    text = load_jsonl("snippets.jsonl")[0]["text"] + " " + load_jsonl("snippets.jsonl")[1]["text"]
    putin = next(e for e in tagger.linker.link(text, "en") if e.id == "Q7747")
    assert putin.count == 2
    assert putin.surface_forms == ["Vladimir Putin", "Wladimir Putin"]
    assert putin.type == "person"
    assert putin.country == "RU"


def test_mentions_do_not_overlap(tagger: Tagger) -> None:
    for case in CASES:
        mentions = tagger.linker.mentions(case["text"])
        for a, b in itertools.pairwise(mentions):
            assert a.end <= b.start


def test_demonyms_can_be_switched_off(tagger: Tagger) -> None:
    case = next(c for c in CASES if c["id"] == "demonym-en")
    linker = EntityLinker(tagger.gazetteer, demonyms_as_mentions=False)
    assert not {e.id for e in linker.link(case["text"], "en")} & {"Q148", "Q159"}


def test_unlinked_limit(tagger: Tagger) -> None:
    case = next(c for c in CASES if c["id"] == "unlinked-en")
    linker = EntityLinker(tagger.gazetteer, max_unlinked=1)
    unlinked = [e for e in linker.link(case["text"], "en") if e.id.startswith("unlinked:")]
    assert len(unlinked) == 1
    assert unlinked[0].type == "other"
