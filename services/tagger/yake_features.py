"""YAKE! scores of terms and candidate phrases, and the near-duplicate filter (yake 0.7.3's "seqm").

Campos et al., 2020, "YAKE! Keyword extraction from single documents using multiple local features".
A term's weight combines casing, position (median sentence), frequency, relatedness to its left and
right neighbours and spread over sentences; a phrase's score is the product of its words' weights
over (1 + their sum) times the phrase's frequency, stopwords inside a phrase weighted by how often
they join their neighbours. Lower is better. The operations are those of yake 0.7.3, in its order.

yake 0.7.3's "seqm" similarity is not a Levenshtein ratio: it is a cheap heuristic (a length,
first/last character and prefix pre-filter, then character, word and trigram overlaps), reproduced
in ``seqm_similarity``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from services.tagger.yake_fast import Document


def _median(sorted_values: list[int]) -> float:
    """Median of a sorted, non-empty list, as numpy computes it."""
    half = len(sorted_values) // 2
    if len(sorted_values) % 2:
        return float(sorted_values[half])
    return (sorted_values[half - 1] + sorted_values[half]) / 2


def term_weights(doc: Document) -> list[float]:
    """Each term's weight H (lower is more important); 0.0 for stopwords, which are not weighted."""
    tf, stop = doc.tf, doc.stopword
    weights = [0.0] * len(tf)
    content = [float(tf[i]) for i in range(len(tf)) if not stop[i]]
    if not content:
        return weights
    frequencies = np.asarray(content, dtype=np.float64)
    spread_norm = float(frequencies.mean() + frequencies.std())
    max_tf = max(tf)
    sentences = doc.sentences
    for i, count in enumerate(tf):
        if stop[i]:
            continue
        in_weight, out_weight = doc.in_weight[i], doc.out_weight[i]
        left = doc.in_degree[i] / in_weight if in_weight else 0.0
        right = doc.out_degree[i] / out_weight if out_weight else 0.0
        relatedness = (0.5 + (left * (count / max_tf))) + (0.5 + (right * (count / max_tf)))
        frequency = count / spread_norm
        spread = len(doc.sentence_ids[i]) / sentences
        casing = max(doc.tf_acronym[i], doc.tf_capital[i]) / (1.0 + math.log(count))
        position = math.log(math.log(3.0 + _median(doc.sentence_ids[i])))
        weights[i] = (position * relatedness) / (casing + (frequency / relatedness) + (spread / relatedness))
    return weights


def phrase_score(terms: tuple[int, ...], tf: int, weights: list[float], doc: Document) -> float:
    """Score of a candidate: product of its weights / ((sum + 1) * frequency), stopwords by linkage."""
    total = 0.0
    product = 1.0
    last = len(terms) - 1
    for t, term in enumerate(terms):
        if not doc.stopword[term]:
            total += weights[term]
            product *= weights[term]
            continue
        before = after = 0.0
        if t > 0:
            joined = doc.pairs.get((terms[t - 1], term))
            if joined is not None:
                before = joined / doc.tf[terms[t - 1]]
        if t < last:
            joined = doc.pairs.get((term, terms[t + 1]))
            if joined is not None:
                after = joined / doc.tf[terms[t + 1]]
        linkage = before * after
        product *= 1 + (1 - linkage)
        total -= 1 - linkage
    return product / ((total + 1) * tf)


def seqm_similarity(a: str, b: str) -> float:
    """yake 0.7.3's "seqm" similarity of two lower-cased phrases (pre-filter, then overlap heuristics)."""
    if a == b:
        return 1.0
    len_a, len_b = len(a), len(b)
    longest = max(len_a, len_b)
    if abs(len_a - len_b) > longest * 0.6:
        return 0.0
    if longest > 3 and (
        a[0] != b[0] or a[-1] != b[-1] or (min(len_a, len_b) >= 3 and a[:2].lower() != b[:2].lower())
    ):
        return 0.0
    if abs(a.count(" ") - b.count(" ")) > 1:
        return 0.0
    length_ratio = min(len_a, len_b) / longest
    if length_ratio < 0.3:
        return 0.0
    a, b = a.lower(), b.lower()
    chars_a, chars_b = set(a), set(b)
    char_overlap = len(chars_a & chars_b) / len(chars_a | chars_b)
    if char_overlap < 0.2:
        return 0.0
    if longest <= 4:
        return char_overlap * length_ratio
    words_a, words_b = a.split(), b.split()
    if len(words_a) > 1 or len(words_b) > 1:
        word_union = set(words_a) | set(words_b)
        if word_union:
            word_overlap = len(set(words_a) & set(words_b)) / len(word_union)
            if word_overlap > 0.4:
                return word_overlap
    tri_a = {a[i : i + 3] for i in range(len(a) - 2)}
    tri_b = {b[i : i + 3] for i in range(len(b) - 2)}
    tri_union = tri_a | tri_b
    tri_overlap = len(tri_a & tri_b) / len(tri_union) if tri_union else 0
    return min(0.3 * length_ratio + 0.2 * char_overlap + 0.5 * tri_overlap, 1.0)


def best_candidates(doc: Document, dedup_lim: float, top: int) -> list[tuple[str, float]]:
    """The valid candidates by score, each kept unless too similar to one kept before, at most ``top``."""
    weights = term_weights(doc)
    scored: list[tuple[float, str]] = []
    for key, tf in doc.candidate_tf.items():
        if key in doc.candidate_clean:
            terms = doc.candidate_first[key][1]
            if len(terms) == 1:  # the general formula with sum = 0.0 + w and product = 1.0 * w
                weight = weights[terms[0]]
                scored.append((weight / ((weight + 1) * tf), key))
            else:
                scored.append((phrase_score(terms, tf, weights, doc), key))
    scored.sort(key=lambda item: item[0])  # stable: ties keep the order of first occurrence
    if dedup_lim >= 1.0:  # yake returns the lower-cased phrases on this path
        return [(key, score) for score, key in scored[:top]]
    kept: list[tuple[float, str]] = []
    for score, key in scored:
        if all(seqm_similarity(key, other) <= dedup_lim for _, other in kept):
            kept.append((score, key))
            if len(kept) == top:
                break
    return [(doc.candidate_first[key][0], score) for score, key in kept]
