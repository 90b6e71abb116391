"""YAKE! key-phrase extraction, re-implemented for speed with the results of the ``yake`` package 0.7.3.

The algorithm is YAKE! (Campos, Mangaravite, Pasquali, Jorge, Nunes, Jatowt, 2020, "YAKE! Keyword
extraction from single documents using multiple local features", Information Sciences 509: 257-289).
This module reads a document in one pass: segtok sentences and tokens (the calls ``yake`` makes),
a tag per token, term statistics in flat lists, co-occurrence counts in a dict keyed by term pair
and the candidate n-grams whose first and last words are not stopwords (no other can be chosen).
``services.tagger.yake_features`` scores terms and candidates and drops near-duplicates.

It reproduces ``yake.KeywordExtractor(lan, n, dedup_lim, "seqm", window_size, top)
.extract_keywords(text)`` of yake 0.7.3: same phrases, same order, same scores (the same floating
point operations in the same order; the standard deviation of the term frequencies is numpy's, as
in yake). Stopword lists are read at run time from the installed ``yake`` package's resource files,
without importing it (it imports networkx).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from segtok.segmenter import split_multi  # type: ignore[import-untyped]
from segtok.tokenizer import split_contractions, web_tokenizer  # type: ignore[import-untyped]

from services.tagger.yake_features import best_candidates

log = logging.getLogger(__name__)

PUNCTUATION = string.punctuation
_DROP_PUNCTUATION = str.maketrans("", "", PUNCTUATION)
_LEADING_CAPITAL = re.compile(r"^(\s*([A-Z]))")

# token kinds (yake's tags: "p" plain, "a" acronym, "n" capitalised inside a sentence, "u"/"d" discarded)
PLAIN, ACRONYM, CAPITALISED, DISCARDED, PUNCT = 0, 1, 2, 3, -1


@lru_cache(maxsize=1)
def stopwords_folder() -> Path:
    """The folder of the stopword lists in the installed yake package, found without importing it."""
    spec = importlib.util.find_spec("yake")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the yake package (its stopword lists) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "core" / "StopwordsList"


@lru_cache(maxsize=64)
def load_stopwords(language: str) -> frozenset[str]:
    """The stopword list yake loads for ``language`` (its first two letters; else the "noLang" list)."""
    folder = stopwords_folder()
    path = folder / f"stopwords_{language[:2].lower()}.txt"
    if not path.exists():
        path = folder / "stopwords_noLang.txt"
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        content = path.read_text(encoding="ISO-8859-1")
    return frozenset(content.lower().split("\n"))


def split_sentences(text: str) -> list[list[str]]:
    """Sentences of tokens, as yake's pre-filter and segtok calls make them (empty sentences dropped)."""
    text = text.replace("\n", " ")
    text = ("\n\n" if _LEADING_CAPITAL.match(text) else " ") + text.replace("\t", " ")
    return [
        [w for w in split_contractions(web_tokenizer(s)) if w and not (len(w) > 1 and w[0] == "'")]
        for s in split_multi(text)
        if s.strip()
    ]


@lru_cache(maxsize=200_000)
def token_kind(word: str) -> tuple[int, str]:
    """The token's kind (CAPITALISED only counts inside a sentence) and its lower-case form, cached."""
    return _classify(word), word.lower()


def _classify(word: str) -> int:
    bare = word.replace(",", "")
    if bare.isdigit() or bare.replace(".", "", 1).isdigit():
        return DISCARDED
    digits = sum(c.isdigit() for c in word)
    letters = sum(c.isalpha() for c in word)
    symbols = sum(c in PUNCTUATION for c in word)
    if (digits and letters) or (not digits and not letters) or symbols > 1:
        return DISCARDED
    if word.isupper():
        return ACRONYM
    if len(word) > 1 and word[0].isupper() and sum(c.isupper() for c in word) == 1:
        return CAPITALISED
    return PLAIN


@dataclass(slots=True)
class Document:
    """Term statistics, co-occurrence counts and candidate n-grams of one text."""

    sentences: int = 0
    tf: list[int] = field(default_factory=list)
    tf_acronym: list[int] = field(default_factory=list)
    tf_capital: list[int] = field(default_factory=list)
    stopword: list[bool] = field(default_factory=list)
    sentence_ids: list[list[int]] = field(default_factory=list)
    pairs: dict[tuple[int, int], int] = field(default_factory=dict)
    out_degree: list[int] = field(default_factory=list)
    out_weight: list[int] = field(default_factory=list)
    in_degree: list[int] = field(default_factory=list)
    in_weight: list[int] = field(default_factory=list)
    candidate_tf: dict[str, int] = field(default_factory=dict)
    candidate_first: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    candidate_clean: set[str] = field(default_factory=set)


def read_document(sentences: list[list[str]], stopwords: frozenset[str], n: int, window: int) -> Document:
    """One pass over the tokens: term statistics, co-occurrences within ``window``, candidates up to ``n``."""
    doc = Document(sentences=len(sentences))
    tf, tf_a, tf_n, stop, sent_ids = doc.tf, doc.tf_acronym, doc.tf_capital, doc.stopword, doc.sentence_ids
    pairs, cand_tf, cand_first = doc.pairs, doc.candidate_tf, doc.candidate_first
    cand_clean = doc.candidate_clean
    out_deg, out_w, in_deg, in_w = doc.out_degree, doc.out_weight, doc.in_degree, doc.in_weight
    term_of_key: dict[str, int] = {}
    term_of_lower: dict[str, int] = {}
    seen_words: dict[str, tuple[int, int, str]] = {}  # token -> (kind, term, lower case)
    reach = max(n - 1, 0)
    for sid, tokens in enumerate(sentences):
        block: list[tuple[int, bool, str, str]] = []  # (term, discarded, lower, word) since punctuation
        for pos, word in enumerate(tokens):
            known = seen_words.get(word)
            if known is None:
                known = seen_words[word] = _describe(word, doc, term_of_lower, term_of_key, stopwords)
            kind, tid, low = known
            if kind == PUNCT:
                if block:
                    block = []
                continue
            tf[tid] += 1
            if kind == ACRONYM:
                tf_a[tid] += 1
            elif kind == CAPITALISED and pos:
                tf_n[tid] += 1
            seen = sent_ids[tid]
            if not seen or seen[-1] != sid:
                seen.append(sid)
            discarded = kind == DISCARDED
            if block and not discarded:
                for prev, prev_discarded, _, _ in block[-window:] if window > 0 else ():
                    if not prev_discarded:
                        pair = (prev, tid)
                        count = pairs.get(pair)
                        if count is None:
                            pairs[pair] = 1
                            out_deg[prev] += 1
                            in_deg[tid] += 1
                        else:
                            pairs[pair] = count + 1
                        out_w[prev] += 1
                        in_w[tid] += 1
            if not stop[tid]:
                # the candidates ending here, shortest first; those starting with a stopword are skipped
                clean = not discarded
                count = cand_tf.get(low)
                if count is None:
                    cand_tf[low] = 1
                    cand_first[low] = (word, (tid,))
                else:
                    cand_tf[low] = count + 1
                if clean:
                    cand_clean.add(low)
                cand = low
                start = len(block)
                lowest = start - reach if start > reach else 0
                while start > lowest:
                    start -= 1
                    first, first_discarded, first_low, _ = block[start]
                    clean = clean and not first_discarded
                    cand = first_low + " " + cand
                    if stop[first]:
                        continue
                    count = cand_tf.get(cand)
                    if count is None:
                        cand_tf[cand] = 1
                        words = block[start:]
                        cand_first[cand] = (
                            " ".join([w[3] for w in words] + [word]),
                            (*(w[0] for w in words), tid),
                        )
                    else:
                        cand_tf[cand] = count + 1
                    if clean:
                        cand_clean.add(cand)
            block.append((tid, discarded, low, word))
    return doc


def _describe(
    word: str,
    doc: Document,
    term_of_lower: dict[str, int],
    term_of_key: dict[str, int],
    stopwords: frozenset[str],
) -> tuple[int, int, str]:
    """(kind, term, lower case) of a token first seen in this document; kind PUNCT for punctuation."""
    if not word.strip(PUNCTUATION):
        return (PUNCT, -1, "")
    kind, low = token_kind(word)
    tid = term_of_lower.get(low)
    if tid is None:
        tid = term_of_lower[low] = _new_term(doc, term_of_key, low, stopwords)
    return (kind, tid, low)


def _new_term(doc: Document, term_of_key: dict[str, int], low: str, stopwords: frozenset[str]) -> int:
    """The term of a lower-cased word ("-s" plurals folded), created on first sight with its stopword flag."""
    key = low[:-1] if len(low) > 3 and low.endswith("s") else low
    tid = term_of_key.get(key)
    if tid is None:
        tid = term_of_key[key] = len(doc.tf)
        for column in (doc.tf, doc.tf_acronym, doc.tf_capital, doc.out_degree, doc.out_weight):
            column.append(0)
        doc.in_degree.append(0)
        doc.in_weight.append(0)
        doc.sentence_ids.append([])
        doc.stopword.append(low in stopwords or key in stopwords or len(key.translate(_DROP_PUNCTUATION)) < 3)
    return tid


class FastYake:
    """Drop-in for ``yake.KeywordExtractor(lan, n, dedup_lim, "seqm", window_size, top).extract_keywords``."""

    def __init__(
        self,
        language: str = "en",
        *,
        n: int = 3,
        dedup_lim: float = 0.9,
        window_size: int = 1,
        top: int = 20,
        stopwords: frozenset[str] | None = None,
    ) -> None:
        self.n = n
        self.dedup_lim = dedup_lim
        self.window_size = window_size
        self.top = top
        # as in yake, an empty set means none given: the language's list
        self.stopwords = frozenset(stopwords) if stopwords else load_stopwords(language)

    def extract_keywords(self, text: str | None) -> list[tuple[str, float]]:
        """(phrase, score) pairs, best (lowest score) first, at most ``top``; [] for empty text."""
        if not text:
            return []
        try:
            doc = read_document(split_sentences(text), self.stopwords, self.n, self.window_size)
            return best_candidates(doc, self.dedup_lim, self.top)
        except Exception:  # as yake does: a failed extraction gives no key phrases, not a failed article
            log.warning("keyword extraction failed (text of %d characters)", len(text), exc_info=True)
            return []
