"""The tagger stage: the batch's embedding runs beside the tagging, and each vector finds its article."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from services.core.models import CleanArticle, TaggedArticle
from services.core.outcomes import Rejection
from services.tagger.stage import build_stage
from tests.unit.tagger.conftest import NOW, make_article

WAIT_S = 10.0


class FakeTagger:
    """Tags by copying; fails on articles whose text says so; records that tagging has started."""

    def __init__(self) -> None:
        self.started = threading.Event()

    def tag(self, article: CleanArticle, *, now: datetime) -> TaggedArticle:
        """Return the article as a TaggedArticle, or raise when its text asks for it."""
        self.started.set()
        if "FAIL" in article.text:
            raise ValueError("tagging failed")
        return TaggedArticle(**article.model_dump())


def _vector(article: CleanArticle) -> list[float]:
    return [float(len(article.text)), float(int(article.article_id.split("-")[1]))]


def test_each_vector_goes_to_its_article_when_one_is_rejected() -> None:
    articles = [make_article(f"a-{i}", "x" * (10 + i) + (" FAIL" if i == 1 else "")) for i in range(4)]
    stage = build_stage(FakeTagger(), lambda batch: [_vector(a) for a in batch])
    assert stage.batch_fn is not None
    out = stage.batch_fn(articles, NOW)
    assert isinstance(out[1], Rejection) and out[1].reason == "processing_error"
    for i in (0, 2, 3):
        emits = out[i]
        assert not isinstance(emits, Rejection)
        tagged = emits[0].value
        assert isinstance(tagged, TaggedArticle)
        assert tagged.article_id == f"a-{i}"
        assert tagged.embedding == _vector(articles[i])


def test_the_embedding_runs_while_the_articles_are_tagged() -> None:
    tagger = FakeTagger()
    overlapped: list[bool] = []

    def embed(batch: Sequence[CleanArticle]) -> list[list[float]]:
        # Tagging runs on the caller's thread; if the embedding ran before or after it, this
        # wait would time out instead of seeing the tagger start.
        overlapped.append(tagger.started.wait(WAIT_S))
        return [_vector(a) for a in batch]

    stage = build_stage(tagger, embed)
    assert stage.batch_fn is not None
    out = stage.batch_fn([make_article("a-0", "some text"), make_article("a-1", "more text")], NOW)
    assert overlapped == [True]
    assert all(not isinstance(o, Rejection) for o in out)


def test_without_overlap_the_same_vectors_come_on_the_calling_thread() -> None:
    caller = threading.get_ident()
    threads: list[int] = []

    def embed(batch: Sequence[CleanArticle]) -> list[list[float]]:
        threads.append(threading.get_ident())
        return [_vector(a) for a in batch]

    articles = [make_article(f"a-{i}", "y" * (5 + i)) for i in range(3)]
    stage = build_stage(FakeTagger(), embed, overlap=False)
    assert stage.batch_fn is not None
    out = stage.batch_fn(articles, NOW)
    assert threads == [caller]
    for i, emits in enumerate(out):
        assert not isinstance(emits, Rejection)
        tagged = emits[0].value
        assert isinstance(tagged, TaggedArticle) and tagged.embedding == _vector(articles[i])
