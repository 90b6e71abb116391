"""The fast YAKE! (services.tagger.yake_fast) gives yake 0.7.3's key phrases, order and scores.

The reference is the ``yake`` package itself, configured as the tagger uses it (n=3, dedup_lim=0.7,
"seqm", window 1, top 16), on the seed articles, the labelled snippets and the cases of
``tests/data/tagger/keywords/texts.jsonl`` (French, Spanish, Italian, Portuguese, Dutch, edge cases);
Hypothesis word soups also vary n, the window, dedup_lim and top.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yake  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.models import CleanArticle
from services.tagger import keywords as keywords_module
from services.tagger.keywords import KeywordExtractor
from services.tagger.yake_fast import FastYake, load_stopwords
from services.tagger.yake_features import seqm_similarity

from .conftest import ROOT, load_jsonl

CASES = load_jsonl("keywords/texts.jsonl")
SNIPPETS = load_jsonl("snippets.jsonl")
SEED_LANGS = {"000": "en", "001": "en", "002": "de", "003": "en", "004": "en"}
TOP = 16
DATASETS = ROOT.parent / "shared" / "datasets"

Pairs = list[tuple[str, float]]


def reference(text: str, language: str, **config: Any) -> Pairs:
    """yake 0.7.3's (phrase, score) pairs, scores as Python floats."""
    options: dict[str, Any] = {"n": 3, "dedup_lim": 0.7, "top": TOP} | config
    window = options.pop("window_size", 1)
    found = yake.KeywordExtractor(lan=language, window_size=window, **options).extract_keywords(text)
    return [(str(phrase), float(score)) for phrase, score in found]


def fast(text: str, language: str, **config: Any) -> Pairs:
    """The fast implementation's (phrase, score) pairs, same configuration as ``reference``."""
    options: dict[str, Any] = {"n": 3, "dedup_lim": 0.7, "top": TOP} | config
    return FastYake(language, **options).extract_keywords(text)


def assert_same(ours: Pairs, theirs: Pairs) -> None:
    """Same phrases in the same order, scores equal within 1e-9 relative."""
    assert [p for p, _ in ours] == [p for p, _ in theirs]
    for (phrase, a), (_, b) in zip(ours, theirs, strict=True):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0), (phrase, a, b)


@pytest.mark.parametrize("seed", sorted(SEED_LANGS))
def test_seed_articles_match_yake(seed_articles: dict[str, CleanArticle], seed: str) -> None:
    text = seed_articles[seed].text[:6000]
    theirs = reference(text, SEED_LANGS[seed])
    assert len(theirs) == TOP
    assert_same(fast(text, SEED_LANGS[seed]), theirs)


def test_snippets_match_yake() -> None:
    languages = {s["lang"] for s in SNIPPETS}
    assert languages == {"en", "de"}
    for snippet in SNIPPETS:
        theirs = reference(snippet["text"], snippet["lang"])
        assert theirs, snippet["id"]
        assert_same(fast(snippet["text"], snippet["lang"]), theirs)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_cases_match_yake(case: dict[str, Any]) -> None:
    theirs = reference(case["text"], case["lang"])
    assert_same(fast(case["text"], case["lang"]), theirs)


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [
        ("empty", []),
        ("whitespace-only", []),
        ("en-stopwords-only", []),
        ("de-stopwords-only", []),
        ("single-word", [("Kazakhstan", 0.04491197687864554)]),
    ],
)
def test_edge_cases_give_what_yake_gives(case_id: str, expected: Pairs) -> None:
    case = next(c for c in CASES if c["id"] == case_id)
    assert fast(case["text"], case["lang"]) == expected
    assert reference(case["text"], case["lang"]) == expected


def test_non_english_cases_have_key_phrases() -> None:
    languages = {c["lang"] for c in CASES if len(fast(c["text"], c["lang"])) == TOP}
    assert {"fr", "es", "it", "pt", "nl", "xx", "", "pt-BR", "EN"} <= languages


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "pt-BR", "EN", "xx", "", "zz-top"])
def test_stopwords_are_yakes(language: str) -> None:
    ours = load_stopwords(language)
    assert set(ours) == yake.KeywordExtractor(lan=language).stopword_set
    assert ("the" in ours) == (language[:2].lower() == "en")


def test_unknown_language_falls_back_to_the_language_free_list() -> None:
    assert load_stopwords("xx") == load_stopwords("zz") == load_stopwords("")
    assert load_stopwords("xx") != load_stopwords("en")


def test_long_text_is_truncated_like_yake(seed_articles: dict[str, CleanArticle]) -> None:
    text = "\n\n".join(a.text for _, a in sorted(seed_articles.items()))
    assert len(text) > 12000
    for limit in (6000, 12000):
        assert_same(fast(text[:limit], "en"), reference(text[:limit], "en"))
    assert fast(text[:6000], "en") != fast(text, "en")


def _yake_backend(language: str, *, n: int, dedup_lim: float, top: int) -> Any:
    return yake.KeywordExtractor(lan=language, n=n, dedup_lim=dedup_lim, top=top)


def test_keyword_extractor_output_unchanged(
    seed_articles: dict[str, CleanArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts: list[tuple[str, str | None]] = [(a.text, SEED_LANGS[k]) for k, a in sorted(seed_articles.items())]
    texts += [(c["text"], c["lang"] or None) for c in CASES]
    ours = [KeywordExtractor().extract(text, lang) for text, lang in texts]
    monkeypatch.setattr(keywords_module, "FastYake", _yake_backend)
    theirs = [KeywordExtractor().extract(text, lang) for text, lang in texts]
    assert ours == theirs
    assert sum(len(k) == 8 for k in ours) >= 15


def test_service_path_does_not_import_yake() -> None:
    code = (
        "import sys\n"
        "from services.tagger.keywords import KeywordExtractor\n"
        "assert KeywordExtractor().extract('Vladimir Putin met Xi Jinping in Beijing.', 'en')\n"
        "print(sorted(m for m in ('yake', 'networkx', 'jellyfish') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


_yake_similarity = yake.KeywordExtractor(lan="en").seqm
PHRASE = st.text(alphabet="abcdeéσς ", min_size=0, max_size=14)
MIDDLE = st.text(alphabet="abcd ", min_size=0, max_size=12)
# pairs sharing their first two and last characters get past the pre-filter to the overlap heuristics
ALIKE = st.builds(
    lambda head, one, two, tail: (head + one + tail, head + two + tail),
    st.text(alphabet="ab", min_size=2, max_size=2),
    MIDDLE,
    MIDDLE,
    st.sampled_from(["a", "b", "c", "d"]),
)


@settings(max_examples=400, deadline=None)
@given(PHRASE, PHRASE)
def test_seqm_similarity_is_yakes(a: str, b: str) -> None:
    assert seqm_similarity(a, b) == _yake_similarity(a, b)


@settings(max_examples=1500, deadline=None)
@given(ALIKE)
def test_seqm_similarity_of_alike_phrases_is_yakes(pair: tuple[str, str]) -> None:
    assert seqm_similarity(*pair) == _yake_similarity(*pair)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("central bank", "central bank", 1.0),
        ("central bank", "central banks", 0.0),  # pre-filter: the last characters differ
        ("vladimir putin", "putin", 0.0),  # pre-filter: lengths too far apart
        ("president putin", "president vladimir putin", 2 / 3),  # word overlap
        ("gas", "gaz", 0.5),  # short strings: character overlap x length ratio
        ("bank", "bark", 0.6),
        ("aa bb cc", "aa dd ee cc", 0.3 * 8 / 11 + 0.2 * 0.5 + 0.5 * 2 / 13),  # word overlap 0.4: not > 0.4
        ("abcdefb", "abghijb", 0.3 + 0.2 * 0.2),  # character overlap 0.2: not < 0.2
        ("abcdefghijb", "abklmnopqrb", 0.0),  # character overlap 2/18
        ("banking", "banning", 0.3 + 0.2 * 5 / 6 + 0.5 * 2 / 8),  # length, characters, trigrams
    ],
)
def test_seqm_similarity_examples(a: str, b: str, expected: float) -> None:
    assert seqm_similarity(a, b) == pytest.approx(expected, rel=1e-12)
    assert seqm_similarity(b, a) == _yake_similarity(a, b)


STOPWORDS = ["the", "of", "and", "a", "in", "to", "is", "for", "on", "with", "der", "und", "de", "la"]
CAPITALISED = ["Berlin", "Putin", "NATO", "EU", "Xi", "Jinping", "Beijing", "Bus", "News", "Ελλάδα", "ΣΟΦΙΑΣ"]
PLAIN = ["bank", "banks", "central", "rates", "gas", "prices", "buses", "thus", "news", "café", "co-founder"]
OTHER = [".", ",", "!", "?", ";", "-", "—", "“", "€", "😀", "2024", "3.5", "10:30", "U2", "O'Neill's"]
OTHER += ["don't", "e-mail", "state-of-the-art"]
SOUP = st.lists(st.sampled_from(STOPWORDS + CAPITALISED + PLAIN + OTHER), min_size=0, max_size=120)
SEPARATOR = st.sampled_from([" ", " ", " ", "\n", "\t", ". ", "\n\n"])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=SOUP,
    separators=st.lists(SEPARATOR, min_size=1, max_size=5),
    n=st.integers(min_value=1, max_value=4),
    window=st.integers(min_value=1, max_value=2),
    dedup_lim=st.sampled_from([0.7, 0.9, 1.0]),
    top=st.sampled_from([5, 16]),
)
def test_word_soup_matches_yake(
    words: list[str], separators: list[str], n: int, window: int, dedup_lim: float, top: int
) -> None:
    text = "".join(w + separators[i % len(separators)] for i, w in enumerate(words))
    config = {"n": n, "window_size": window, "dedup_lim": dedup_lim, "top": top}
    assert_same(fast(text, "en", **config), reference(text, "en", **config))


def _dataset_sample() -> list[tuple[str, str]]:
    """Every 100th Reuters story and every 20th SemEval pair (both texts), as the tagger cuts them."""
    sample: list[tuple[str, str]] = []
    lines = (DATASETS / "reuters21578_dev_en.jsonl").read_text(encoding="utf-8").splitlines()
    sample += [("en", json.loads(line)["text"][:6000]) for line in lines[::100]]
    lines = (DATASETS / "semeval2022_task8_dev_en_de.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[::20]:
        row = json.loads(line)
        sample += [(row["lang1"], row["text1"][:6000]), (row["lang2"], row["text2"][:6000])]
    return sample


@pytest.mark.skipif(not Path(DATASETS).is_dir(), reason="the shared development datasets are not present")
def test_shared_dataset_sample_matches_yake() -> None:
    sample = _dataset_sample()
    assert len(sample) > 150
    for language, text in sample:
        assert_same(fast(text, language), reference(text, language))
