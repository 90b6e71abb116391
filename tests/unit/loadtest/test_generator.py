"""The variant generator: deterministic, unique, duplicates and languages as asked."""

from __future__ import annotations

from collections import Counter

import pytest

from services.loadtest.generator import (
    NEAR_SWAPS,
    CorpusDoc,
    VariantGenerator,
    build_corpus,
    guess_language,
    paragraphs,
    parse_lang_mix,
    sentences,
)
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def corpus() -> list[CorpusDoc]:
    """The seeds as a corpus (four English articles, one German)."""
    return build_corpus((p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt")))


def _source(corpus: list[CorpusDoc], sentence: str) -> str | None:
    return next((d.uri for d in corpus if sentence in d.text), None)


def test_corpus_languages(corpus: list[CorpusDoc]) -> None:
    assert Counter(d.lang for d in corpus) == {"en": 4, "de": 1}
    assert guess_language("Der Minister und die Regierung sind nicht in Berlin.") == "de"
    assert guess_language("The minister said that the government is in London.") == "en"
    assert guess_language("12345 !!!") == "other"


def test_paragraphs_blank_lines_or_lines() -> None:
    assert paragraphs("a\n\nb\n\n\nc") == ["a", "b", "c"]
    assert paragraphs("one\ntwo\nthree") == ["one", "two", "three"]


def test_same_seed_same_variants(corpus: list[CorpusDoc]) -> None:
    first = VariantGenerator(corpus, seed=5, dup_ratio=0.2).take(300)
    second = VariantGenerator(corpus, seed=5, dup_ratio=0.2).take(300)
    other = VariantGenerator(corpus, seed=6, dup_ratio=0.2).take(300)
    assert first == second
    assert [v.text for v in first] != [v.text for v in other]


def test_unique_variants_are_unique_and_recombined(corpus: list[CorpusDoc]) -> None:
    variants = VariantGenerator(corpus, seed=1).take(1000)
    assert {v.kind for v in variants} == {"unique"}
    assert len({v.text for v in variants}) == len(variants)
    assert len({v.uri for v in variants}) == len(variants)
    originals = {d.text for d in corpus}
    assert not originals & {v.text for v in variants}
    # recombined: English variants carry sentences of several source articles
    english = [v for v in variants if v.lang == "en"]
    mixed = sum(1 for v in english if len({_source(corpus, s) for s in sentences(v.text)} - {None}) > 1)
    assert mixed > len(english) / 2


def test_dup_ratio_respected(corpus: list[CorpusDoc]) -> None:
    variants = VariantGenerator(corpus, seed=2, dup_ratio=0.3, exact_share=0.5).take(4000)
    kinds = Counter(v.kind for v in variants)
    assert kinds["exact"] + kinds["near"] == pytest.approx(0.3 * 4000, rel=0.1)
    assert kinds["exact"] == pytest.approx(kinds["near"], rel=0.2)
    by_index = {v.index: v for v in variants}
    for v in variants:
        if v.kind == "exact":
            assert v.of is not None and v.text == by_index[v.of].text
        elif v.kind == "near":
            assert v.of is not None and v.text != by_index[v.of].text
            assert abs(len(v.text) - len(by_index[v.of].text)) < 20


def test_no_duplicates_when_ratio_zero_and_all_when_one(corpus: list[CorpusDoc]) -> None:
    assert {v.kind for v in VariantGenerator(corpus, seed=3, dup_ratio=0.0).take(200)} == {"unique"}
    variants = VariantGenerator(corpus, seed=3, dup_ratio=1.0).take(200)
    assert variants[0].kind == "unique"  # nothing to duplicate yet
    assert {v.kind for v in variants[1:]} <= {"exact", "near"}


def test_lang_mix(corpus: list[CorpusDoc]) -> None:
    mix = parse_lang_mix("en=0.25,de=0.75")
    variants = VariantGenerator(corpus, seed=4, lang_mix=mix).take(2000)
    share_de = sum(1 for v in variants if v.lang == "de") / len(variants)
    assert share_de == pytest.approx(0.75, abs=0.05)
    for v in variants[:50]:
        assert (v.lang == "de") == (guess_language(v.text) == "de")
    only_en = VariantGenerator(corpus, seed=4, lang_mix=parse_lang_mix("en:1")).take(200)
    assert {v.lang for v in only_en} == {"en"}


def test_parse_lang_mix_errors(corpus: list[CorpusDoc]) -> None:
    assert parse_lang_mix("en:70, de:30") == pytest.approx({"en": 0.7, "de": 0.3})
    for bad in ("en", "en=-1", "en=0", "=1"):
        with pytest.raises(ValueError, match="lang-mix"):
            parse_lang_mix(bad)
    with pytest.raises(ValueError, match="corpus has"):
        VariantGenerator(corpus, lang_mix={"fr": 1.0})
    with pytest.raises(ValueError, match="empty"):
        VariantGenerator([], seed=1)


def test_story_variants_retell_their_original(corpus: list[CorpusDoc]) -> None:
    """A story variant keeps the original's lead and some of its sentences, but is not a copy of it."""
    variants = VariantGenerator(corpus, seed=7, dup_ratio=0.4, exact_share=0.25, story_share=0.5).take(3000)
    kinds = Counter(v.kind for v in variants)
    duplicates = kinds["exact"] + kinds["near"] + kinds["story"]
    assert kinds["story"] == pytest.approx(0.5 * duplicates, rel=0.15)
    assert kinds["exact"] == pytest.approx(0.25 * duplicates, rel=0.2)
    by_index = {v.index: v for v in variants}
    for v in (v for v in variants if v.kind == "story"):
        assert v.of is not None
        original = by_index[v.of]
        assert v.lang == original.lang and v.text != original.text
        mine, theirs = sentences(v.text), sentences(original.text)
        swapped = set(NEAR_SWAPS) | set(NEAR_SWAPS.values())
        assert [w for w in mine[0].split() if w not in swapped] == [
            w for w in theirs[0].split() if w not in swapped
        ]  # the same lead, some words reworded
        shared_words = set(" ".join(mine).split()) & set(" ".join(theirs).split())
        assert len(shared_words) >= len(set(theirs[0].split())) // 2
        assert len(mine) < len(theirs) + 3  # half the body plus at most two background sentences


def test_shares_must_fit(corpus: list[CorpusDoc]) -> None:
    with pytest.raises(ValueError, match="at most 1"):
        VariantGenerator(corpus, exact_share=0.6, story_share=0.5)
    with pytest.raises(ValueError, match="within"):
        VariantGenerator(corpus, story_share=1.5)
