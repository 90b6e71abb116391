"""The tagger stage: clean article in, tagged article out (no I/O, no faust)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Protocol

from services.core.models import CleanArticle, TaggedArticle
from services.core.outcomes import Rejection
from services.core.stage import Emit, Stage
from services.tagger.embedding import Engine

STAGE = "tagger"


class ArticleTagger(Protocol):
    """What the stage needs of a tagger (``services.tagger.logic.Tagger``)."""

    def tag(self, article: CleanArticle, *, now: datetime) -> TaggedArticle:
        """Return the tagged article."""
        ...


Embed = Callable[[Sequence[CleanArticle]], list[list[float]]]


def article_embedder(
    backend: str, threads: int = 1, max_chars: int | None = None, engine: Engine = "wirestream"
) -> Embed | None:
    """Return the batch embedding function of a backend (``e5``, ``use``), or None for ``none``."""
    if backend == "none":
        return None
    from services.tagger.embedding import DEFAULT_MAX_CHARS, Embedder

    embedder = Embedder(
        "use" if backend == "use" else "e5",
        threads=threads,
        max_chars=max_chars or DEFAULT_MAX_CHARS,
        engine=engine,
    )

    def embed(articles: Sequence[CleanArticle]) -> list[list[float]]:
        return embedder.embed_articles([(a.title, a.lead, a.text) for a in articles])

    return embed


def build_stage(
    tagger: ArticleTagger,
    embed: Embed | None = None,
    *,
    dlq_max_bytes: int = 64 * 1024,
    overlap: bool = True,
) -> Stage[CleanArticle]:
    """Return the tagger stage; ``embed`` adds the multilingual embedding, one call per batch.

    The embedding reads only the cleaned title, lead and text, so a batch's embedding runs in a
    thread of its own while the articles are tagged: the engine releases the GIL, and the batch
    takes the longer of the two instead of their sum. ``overlap=False`` embeds after the tagging on
    the calling thread (the same results; for profilers that see one thread).
    """
    pool = ThreadPoolExecutor(1, thread_name_prefix="tagger-embed") if embed and overlap else None

    def run_batch(articles: list[CleanArticle], now: datetime) -> list[Sequence[Emit] | Rejection]:
        pending: Future[list[list[float]]] | None = None
        if pool is not None and embed is not None:
            pending = pool.submit(embed, articles)
        results: list[TaggedArticle | Rejection] = []
        for article in articles:
            try:
                results.append(tagger.tag(article, now=now))
            except Exception as exc:  # errors are data: this article goes to the DLQ, the rest on
                results.append(Rejection("processing_error", f"{STAGE} failed: {exc!r}"))
        if embed is not None:
            vectors = pending.result() if pending is not None else embed(articles)
            results = [
                r if isinstance(r, Rejection) else r.model_copy(update={"embedding": vector})
                for r, vector in zip(results, vectors, strict=True)
            ]
        return [r if isinstance(r, Rejection) else [Emit("out", r.article_id, r)] for r in results]

    def run(article: CleanArticle, now: datetime) -> Sequence[Emit] | Rejection:
        return run_batch([article], now)[0]

    return Stage(STAGE, CleanArticle, run, batch_fn=run_batch, dlq_max_bytes=dlq_max_bytes)
