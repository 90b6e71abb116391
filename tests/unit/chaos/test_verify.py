"""Exactly-once verification over hand-made output records: lost, doubled, extra, consistency."""

from __future__ import annotations

from typing import Any

from services.chaos.verify import Out, consistency, delivery, parent_of, strongly_connected


def enriched(
    article_id: str,
    status: str = "unique",
    of: str | None = None,
    story: str | None = None,
    parts: int = 1,
    topic: str = "enriched",
) -> Out:
    value: dict[str, Any] = {
        "article_id": article_id,
        "source": {"uri": "x.txt", "part": 1, "parts": parts},
        "duplicate": {"status": status, "of": of},
        "story_id": story or of or article_id,
    }
    return Out(topic, value)


def dead(article_id: str | None, stage: str = "tagger", parts: int | None = None) -> Out:
    value: dict[str, Any] = {"article_id": article_id, "stage": stage, "reason": "processing_error"}
    if parts is not None:
        value["source"] = {"uri": "x.txt", "parts": parts}
    return Out("dlq", value)


def test_every_article_once_is_clean() -> None:
    outs = [
        enriched("a"),
        enriched("b", "exact", of="a", topic="duplicates"),
        enriched("c.p1", parts=2),
        enriched("c.p2", parts=2),
        dead("d", stage="cleaner"),
        dead("e", parts=1),
    ]
    result = delivery(["a", "b", "c", "d", "e"], outs)
    assert (result.lost, result.doubled, result.extra) == ([], {}, [])
    assert (result.units, result.delivered) == (6, 6)
    assert result.by_topic == {"enriched": 3, "duplicates": 1, "dlq": 2}
    assert consistency(outs).violations() == 0


def test_a_lost_article_and_a_lost_part() -> None:
    outs = [enriched("a"), enriched("c.p1", parts=3), enriched("c.p3", parts=3)]
    result = delivery(["a", "b", "c"], outs)
    assert result.lost == ["b", "c.p2"]
    assert (result.units, result.delivered) == (5, 3)
    assert result.to_json()["lost"] == 2


def test_a_doubled_article_across_topics_and_within_one() -> None:
    outs = [
        enriched("a"),
        enriched("a"),
        enriched("b", "exact", of="a", topic="duplicates"),
        enriched("b", "exact", of="a", topic="enriched"),
        enriched("c"),
        dead("c"),
    ]
    result = delivery(["a", "b", "c"], outs)
    assert result.doubled == {"a": 2, "b": 2, "c": 2}
    assert result.extra_copies == 3
    assert result.conflicting == ["c"], "an enriched copy and a dead letter disagree"
    assert result.lost == []


def test_forward_exact_allows_one_enriched_copy_of_an_exact_duplicate() -> None:
    outs = [
        enriched("a"),
        enriched("b", "exact", of="a", topic="duplicates"),
        enriched("b", "exact", of="a", topic="enriched"),
    ]
    assert delivery(["a", "b"], outs, forward_exact=True).doubled == {}
    outs.append(enriched("b", "exact", of="a", topic="enriched"))
    assert delivery(["a", "b"], outs, forward_exact=True).doubled == {"b": 2}


def test_extra_ids_never_sent_and_unexpected_parts() -> None:
    outs = [enriched("a"), enriched("zzz"), dead(None), enriched("c.p1", parts=1), enriched("c")]
    result = delivery(["a", "c"], outs)
    assert sorted(result.extra) == ["<no article_id on dlq>", "c.p1", "zzz"]
    assert result.lost == []


def test_whole_dead_letter_and_parts_of_the_same_article_is_a_double() -> None:
    outs = [dead("a", stage="cleaner"), enriched("a.p1", parts=2), enriched("a.p2", parts=2)]
    result = delivery(["a"], outs)
    assert result.doubled == {"a": 2}
    assert result.lost == [] and result.extra == []


def test_parts_count_mismatch_is_reported() -> None:
    outs = [enriched("a.p1", parts=2), enriched("a.p2", parts=3)]
    result = delivery(["a"], outs)
    assert result.parts_mismatch == ["a"]
    assert result.lost == ["a.p3"]


def test_parent_of() -> None:
    sent = {"x-1", "y.p-2"}
    assert parent_of("x-1", sent) == "x-1"
    assert parent_of("x-1.p3", sent) == "x-1"
    assert parent_of("y.p-2", sent) == "y.p-2"
    assert parent_of("z.p1", sent) is None
    assert parent_of("x-1.px", sent) is None


def test_mutual_pointer() -> None:
    outs = [enriched("a", "near", of="b"), enriched("b", "near", of="a")]
    result = consistency(outs)
    assert result.mutual == [("a", "b")]
    assert result.cycles == [], "a two-cycle is reported as mutual only"
    assert result.violations() == 1


def test_mutual_story_pointer() -> None:
    outs = [enriched("a", story="b"), enriched("b", story="a")]
    assert consistency(outs).mutual == [("a", "b")]


def test_cycle_in_the_of_graph() -> None:
    outs = [
        enriched("a", "near", of="b"),
        enriched("b", "near", of="c"),
        enriched("c", "same_story", of="a"),
        enriched("d", "exact", of="a", topic="duplicates"),
    ]
    result = consistency(outs)
    assert result.cycles == [["a", "b", "c"]]
    assert result.mutual == []
    assert result.to_json()["cycles"] == 1


def test_dangling_self_and_malformed_verdicts() -> None:
    outs = [
        enriched("a"),
        enriched("b", "near", of="ghost", story="a"),
        enriched("c", "unique", story="nobody"),
        enriched("d", "exact", of="d"),
        enriched("e", "near"),
        Out("enriched", {"article_id": "f", "duplicate": {"status": "unique", "of": "a"}, "story_id": "f"}),
        dead("g"),
    ]
    result = consistency(outs)
    assert result.dangling_of == ["b"]
    assert result.dangling_story == ["c"]
    assert result.self_of == ["d"]
    assert result.malformed == ["e", "f"]
    assert result.violations() == 5


def test_strongly_connected_components() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["a"]}
    components = sorted(sorted(c) for c in strongly_connected(graph))
    assert components == [["a", "b", "c"], ["d", "e"], ["f"]]
