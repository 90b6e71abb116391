"""The packaged multilingual embedder: offline, normalised, cross-lingual."""

from __future__ import annotations

import math

import pytest

from services.tagger.embedding import Embedder, head

EN = "The German government approved a new climate protection law on Wednesday in Berlin."
DE = "Die Bundesregierung hat am Mittwoch in Berlin ein neues Klimaschutzgesetz beschlossen."
OTHER = "The football club signed a young striker from Brazil for a record transfer fee."


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_are_l2_normalised(embedder: Embedder) -> None:
    vec = embedder.embed(EN)
    assert len(vec) == embedder.dim == 384
    assert math.isclose(math.sqrt(sum(x * x for x in vec)), 1.0, rel_tol=1e-4)


def test_translation_is_closer_than_an_unrelated_text(embedder: Embedder) -> None:
    en, de, other = embedder.embed_many([EN, DE, OTHER])
    assert _cos(en, de) > _cos(en, other) + 0.05
    assert _cos(de, en) > _cos(de, other) + 0.05


def test_empty_text_gives_zero_vector(embedder: Embedder) -> None:
    assert embedder.embed("   ") == [0.0] * embedder.dim


def test_use_backend_is_multilingual_too() -> None:
    use = Embedder("use")
    assert use.dim == 512
    en, de, other = use.embed_many([EN, DE, OTHER])
    assert _cos(en, de) > _cos(en, other)


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown"):
        Embedder("bert")  # type: ignore[arg-type]


def test_head_cuts_at_a_word_boundary() -> None:
    assert head("alpha beta gamma", 12) == "alpha beta"
    assert head("  a\n b ", 100) == "a b"
