"""The story model: no chaining through a story's members, templates are not evidence, facts."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from services.core.models import Entity, TaggedArticle
from services.deduper.facts import (
    OUTLET_CHARS,
    StoryFacts,
    codes,
    names,
    numbers,
    outlet_key,
    story_facts,
    title_numbers,
)
from services.deduper.logic import Deduper, DeduperConfig
from services.deduper.partitioned import PartitionedDeduper
from services.deduper.story import score_story, subjects_differ
from services.tagger.embedding import Embedder
from tests.unit.deduper.conftest import make_article

STORIES = Path(__file__).resolve().parents[2] / "data" / "deduper" / "stories"
PERSON = [Entity(id="Q567", name="Angela Merkel", type="person", count=2)]


def _at_angle(degrees: float) -> list[float]:
    """A unit vector in the plane of the first two axes, ``degrees`` away from the first axis."""
    vector = np.zeros(384, dtype=np.float32)
    vector[0], vector[1] = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return [float(x) for x in vector]


def _text(n: int) -> str:
    return " ".join(f"word{n}x{i}" for i in range(60))


def test_a_chain_a_b_c_stays_two_stories(base_time: datetime) -> None:
    """B is close to A and C is close to B, but C is far from A: C must not join A's story via B."""
    rule = DeduperConfig().story
    vectors = {"a": _at_angle(0), "b": _at_angle(25), "c": _at_angle(50), "d": _at_angle(-25)}
    cos = {(x, y): float(np.dot(vectors[x], vectors[y])) for x in vectors for y in vectors}
    # preconditions: each link of the chain alone is a match, its ends are not
    facts = story_facts(PERSON, None, "")
    for x, y in (("a", "b"), ("b", "c"), ("a", "d")):
        assert score_story(
            rule, cosine=cos[x, y], a=facts, b=facts, lang_a="en", lang_b="en", gap_days=0
        ).same
    assert not score_story(
        rule, cosine=cos["a", "c"], a=facts, b=facts, lang_a="en", lang_b="en", gap_days=0
    ).same

    deduper = Deduper({})
    out = {
        name: deduper.process(
            make_article(name, _text(i), base_time, entities=PERSON, embedding=vectors[name]), now=base_time
        )
        for i, name in enumerate(("a", "b", "c", "d"))
    }
    assert (out["b"].duplicate.status, out["b"].story_id) == ("same_story", "a")
    assert (out["c"].duplicate.status, out["c"].story_id) == ("unique", "c")
    assert (out["d"].duplicate.status, out["d"].story_id) == ("same_story", "a")  # it matches the leader


def _rows(name: str) -> list[dict[str, Any]]:
    """The articles of a story data file (``tests/data/deduper/stories/<name>.json``)."""
    data: dict[str, Any] = json.loads((STORIES / f"{name}.json").read_text(encoding="utf-8"))
    return list(data["articles"])


def _stories(name: str, embedder: Embedder, base_time: datetime) -> dict[str, TaggedArticle]:
    """The articles of a story data file as tagged articles, embedded, by id."""
    return {
        r["id"]: make_article(
            r["id"],
            r["text"],
            base_time,
            title=r["title"],
            entities=[Entity(**e) for e in r.get("entities", [])],
            embedding=embedder.embed_article(r["title"], [], r["text"]),
        )
        for r in _rows(name)
    }


def test_two_earnings_reports_of_different_companies_are_two_stories(
    embedder: Embedder, base_time: datetime
) -> None:
    articles = list(_stories("earnings", embedder, base_time).values())
    rule = DeduperConfig().story
    cosine = float(np.dot(articles[0].embedding or [], articles[1].embedding or []))
    assert cosine >= rule.threshold  # the embedding alone would call them one story
    deduper = Deduper({})
    out = [deduper.process(a, now=base_time) for a in articles]
    assert [o.duplicate.status for o in out] == ["unique", "unique"]
    assert out[0].story_id != out[1].story_id


def test_a_template_needs_a_shared_named_entity() -> None:
    rule = DeduperConfig().story
    table = "Shr 1.12 dlrs vs 94 cts\nNet 14.2 mln vs 11.8 mln\nRevs 231.4 mln vs 204.9 mln"
    company = [Entity(id="unlinked:Harlow Instruments Corp", name="Harlow Instruments Corp", type="other")]
    place = [Entity(id="geonames:5128581", name="New York City", type="place")]
    same_company = story_facts(company, "HARLOW 4TH QTR NET", table)
    only_place = story_facts(place, "HARLOW 4TH QTR NET", table)
    assert same_company.numeric_share >= rule.template_share
    args: dict[str, Any] = {"cosine": 0.97, "lang_a": "en", "lang_b": "en", "gap_days": 0.0}
    assert score_story(rule, a=same_company, b=same_company, **args).same
    assert not score_story(rule, a=only_place, b=only_place, **args).same


def test_countries_are_not_story_evidence() -> None:
    countries = [
        Entity(id="Q183", name="Germany", type="place"),
        Entity(id="iso3166:XX", name="X", type="place"),
    ]
    city = [Entity(id="Q64", name="Berlin", type="place")]
    assert story_facts(countries, None, "").entities == ()
    assert story_facts(city, None, "").entities == ("Q64",)


def test_evidence_or_a_very_close_embedding_is_needed() -> None:
    rule = DeduperConfig().story
    bare = StoryFacts((), (), (), (), 0.0)
    args: dict[str, Any] = {"lang_a": "de", "lang_b": "de", "gap_days": 0.0}
    assert not score_story(rule, cosine=rule.threshold + 0.01, a=bare, b=bare, **args).same
    assert score_story(rule, cosine=rule.threshold_alone, a=bare, b=bare, **args).same
    rare = StoryFacts((), (), (), (), 0.0, ("impfstoff", "göttingen", "tierversuche"))
    assert score_story(rule, cosine=rule.threshold + 0.01, a=rare, b=rare, **args).same


def test_three_shared_names_are_evidence_across_languages() -> None:
    rule = DeduperConfig().story
    three = StoryFacts((), (), (), (), 0.0, names=("kogler", "kurz", "övp"))
    two = StoryFacts((), (), (), (), 0.0, names=("kogler", "kurz", "wien"))
    args: dict[str, Any] = {"cosine": rule.threshold - 0.02, "lang_a": "de", "lang_b": "en", "gap_days": 0.0}
    # close only with the cross-lingual bonus, and then only with evidence
    assert score_story(rule, a=three, b=three, **args).same
    assert score_story(rule, a=three, b=three, **args).shared_names == 3
    assert not score_story(rule, a=three, b=two, **args).same


def test_numbers_keep_the_distinctive_ones() -> None:
    assert numbers("In 2020 the 3 firms sold 155,221 bags at 1.1170 dollars, 155221 again", 8) == [
        "155221",
        "1.1170",
    ]


def test_short_template_bodies_of_different_titles_are_not_exact(base_time: datetime) -> None:
    body = "Pay April 15 Record March 31"
    deduper = Deduper({})
    first = deduper.process(
        make_article("q", body, base_time, title="QUAKER OATS SETS DIVIDEND"), now=base_time
    )
    other = deduper.process(
        make_article("j", body, base_time, title="J.P. MORGAN SETS QUARTERLY"), now=base_time
    )
    again = deduper.process(
        make_article("q2", body, base_time, title="QUAKER OATS SETS DIVIDEND"), now=base_time
    )
    assert (first.duplicate.status, other.duplicate.status) == ("unique", "unique")
    assert first.fingerprint != other.fingerprint
    assert (again.duplicate.status, again.duplicate.of) == ("exact", "q")


def test_names_are_capitalised_words_inside_a_sentence_or_in_a_run() -> None:
    text = "Corrin Mortgage Corp said Veldhoven would buy it. Shares rose in Toronto. Analysts were quiet."
    found = names(text, "en", 20)
    assert {"corrin", "mortgage", "veldhoven", "toronto"} <= set(found)
    assert not {"shares", "analysts", "said"} & set(found)  # sentence openers and common words


def test_bonds_of_two_issuers_in_one_template_are_two_stories(
    embedder: Embedder, base_time: datetime
) -> None:
    bonds = _stories("bonds", embedder, base_time)
    rule = DeduperConfig().story
    sig = {key: Deduper({}).signature(a) for key, a in bonds.items()}
    corrin, veldhoven, terms = sig["corrin-bond"], sig["veldhoven-bond"], sig["corrin-bond-terms"]
    assert {"corrin", "mortgage"} <= corrin.facts.subject
    assert subjects_differ(corrin.facts, veldhoven.facts)
    assert not subjects_differ(corrin.facts, terms.facts)
    # without the subject check the two issuers' bonds would be one story: the template agrees
    args: dict[str, Any] = {"cosine": 0.97, "lang_a": "en", "lang_b": "en", "gap_days": 0.0}
    unchecked = replace(rule, subject_check=False)
    assert score_story(unchecked, a=veldhoven.facts, b=corrin.facts, **args).same
    checked = score_story(rule, a=veldhoven.facts, b=corrin.facts, **args)
    assert checked.subjects_differ and not checked.same
    assert score_story(rule, a=terms.facts, b=corrin.facts, **args).same

    # one embedding for all three: only the subjects tell the issuers apart
    one = bonds["corrin-bond"].embedding
    deduper = Deduper({})
    out = {
        key: deduper.process(a.model_copy(update={"embedding": one}), now=base_time)
        for key, a in bonds.items()
    }
    assert (out["veldhoven-bond"].duplicate.status, out["veldhoven-bond"].story_id) == (
        "unique",
        "veldhoven-bond",
    )
    assert (out["corrin-bond-terms"].duplicate.status, out["corrin-bond-terms"].story_id) == (
        "same_story",
        "corrin-bond",
    )


def test_headline_codes_are_a_subject() -> None:
    assert codes("PHARMACIA AB <PHAB ST> 1986 YEAR, <CMAC.S> AND <PHAB.ST>") == ["<phab>", "<cmac>"]
    assert codes("NO CODE HERE") == []


def test_dividends_of_two_companies_are_two_stories_by_their_codes(base_time: datetime) -> None:
    rows = _rows("dividends")
    facts = [story_facts([], r["title"], r["text"], language="en") for r in rows]
    assert [f.subject for f in facts] == [{"<brx>"}, {"<tlw>"}]  # the bodies name no one
    assert subjects_differ(*facts)
    rule = DeduperConfig().story
    args: dict[str, Any] = {"cosine": 0.97, "lang_a": "en", "lang_b": "en", "gap_days": 0.0}
    assert score_story(replace(rule, subject_check=False), a=facts[1], b=facts[0], **args).same
    assert not score_story(rule, a=facts[1], b=facts[0], **args).same

    one = _at_angle(0)  # one embedding for both: only the codes tell them apart
    deduper = Deduper({})
    out = [
        deduper.process(
            make_article(r["id"], r["text"], base_time, title=r["title"], embedding=one), now=base_time
        )
        for r in rows
    ]
    assert [(o.duplicate.status, o.story_id) for o in out] == [
        ("unique", "brixton-div"),
        ("unique", "talworth-div"),
    ]


def test_title_numbers_are_the_headline_figures() -> None:
    title = "MARKET GIVEN 15 MLN STG, 1,200 TONNES AT 3.28 IN 1987 - 3RD QTR <CMAC.S> MARCH 6"
    assert title_numbers(title) == ["15", "1200", "3.28", "6"]  # no year, no "3RD", no code
    assert title_numbers("VARLAND DEALERS SAY HELP WAS AS EXPECTED") == []


def test_two_days_of_a_recurring_report_are_two_stories_by_their_headline_figures(
    base_time: datetime,
) -> None:
    rows = {r["id"]: r for r in _rows("money_market")}
    facts = {key: story_facts([], r["title"], r["text"], language="en") for key, r in rows.items()}
    day1, day2 = facts["varland-help-day1"], facts["varland-help-day2"]
    rule = DeduperConfig().story
    args: dict[str, Any] = {"cosine": 0.97, "lang_a": "en", "lang_b": "en", "gap_days": 1.0}
    assert score_story(replace(rule, title_number_check=False), a=day2, b=day1, **args).same
    checked = score_story(rule, a=day2, b=day1, **args)
    assert checked.title_numbers_differ and not checked.same
    # a revision repeating the day's figure, and a headline with no figure, still join the story
    same_day = {**args, "gap_days": 0.1}
    assert score_story(rule, a=facts["varland-help-day1-revised"], b=day1, **same_day).same
    assert score_story(rule, a=facts["varland-help-comment"], b=day1, **same_day).same
    # across languages figures are written differently ("3,28" against "3.28"): no check
    assert score_story(rule, a=day2, b=day1, **{**args, "lang_a": "de"}).same

    one = _at_angle(0)  # one embedding for all: only the headline figures tell the days apart
    deduper = Deduper({})
    out = {
        key: deduper.process(
            make_article(key, r["text"], base_time, title=r["title"], embedding=one), now=base_time
        )
        for key, r in rows.items()
    }
    assert {key: o.story_id for key, o in out.items()} == {
        "varland-help-day1": "varland-help-day1",
        "varland-help-day2": "varland-help-day2",
        "varland-help-day1-revised": "varland-help-day1",
        "varland-help-comment": "varland-help-day1",
    }


def test_two_articles_of_one_outlet_need_a_closer_match_and_more_evidence() -> None:
    rule = DeduperConfig().story
    one = StoryFacts(entities=("Q567",), named=("Q567",), numbers=(), title_words=(), numeric_share=0.0)
    args: dict[str, Any] = {"lang_a": "en", "lang_b": "en", "gap_days": 0.0}

    def same(cosine: float, a: StoryFacts, b: StoryFacts) -> bool:
        return score_story(rule, cosine=cosine, a=a, b=b, **args).same

    wire, paper = replace(one, outlet="wire"), replace(one, outlet="paper")
    # one shared entity at cosine 0.93: enough across outlets (or when an outlet is unknown) ...
    assert same(0.93, wire, paper) and same(0.93, one, wire) and same(0.93, one, one)
    # ... not within one outlet, whose daily series and templates read that alike
    assert not same(0.93, wire, wire)
    assert score_story(rule, cosine=0.93, a=wire, b=wire, **args).same_outlet
    # within one outlet: three pieces of evidence, or a cosine of 0.96 alone
    three = replace(wire, entities=("Q1", "Q2", "Q3"))
    assert same(0.92, three, three) and not same(0.90, three, three)
    bare = replace(wire, entities=(), named=())
    assert same(0.97, bare, bare) and not same(0.955, bare, bare)
    assert same(0.955, replace(bare, outlet="paper"), bare)


@pytest.mark.parametrize("partitions", [1, 3])
def test_the_outlet_travels_with_the_leader_record(base_time: datetime, partitions: int) -> None:
    close = math.degrees(math.acos(0.93))  # cosine 0.93 to the leader, one shared entity

    def story_of_second(first: str | None, second: str | None) -> str:
        deduper = PartitionedDeduper({}, partitions)
        for key, angle, outlet in (("a", 0.0, first), ("b", close, second)):
            article = make_article(
                key, _text(ord(key)), base_time, entities=PERSON, embedding=_at_angle(angle), outlet=outlet
            )
            out = deduper.process(article, now=base_time)
        return out.story_id

    assert story_of_second("Wire", "Paper") == "a"
    assert story_of_second(None, None) == "a"
    assert story_of_second("Wire", "wire") == "b"  # one outlet, written two ways


def test_two_companies_notices_in_one_wording_are_not_near_duplicates(base_time: datetime) -> None:
    rows = _rows("notices")
    deduper = Deduper({})
    out = {
        r["id"]: deduper.process(make_article(r["id"], r["text"], base_time, title=r["title"]), now=base_time)
        for r in rows
    }
    assert out["talworth-notice"].duplicate.status == "unique"  # the codes name another company
    corrected = out["brixton-notice-corrected"].duplicate
    assert (corrected.status, corrected.of) == ("near", "brixton-notice")
    # without the subject check the wording alone made the second company's notice a near duplicate
    unchecked = DeduperConfig(story=replace(DeduperConfig().story, subject_check=False))
    plain = Deduper({}, unchecked)
    first, second = (make_article(r["id"], r["text"], base_time, title=r["title"]) for r in rows[:2])
    plain.process(first, now=base_time)
    assert plain.process(second, now=base_time).duplicate.status == "near"


def test_a_long_outlet_is_compared_through_a_hash() -> None:
    assert outlet_key("reuters") == "reuters" and outlet_key(None) == outlet_key("") == ""
    long = "a feed title that runs on " * 20
    assert len(outlet_key(long)) <= OUTLET_CHARS  # the record stays small whatever the feed says
    assert outlet_key(long) == outlet_key(long) != outlet_key(long + "!")
