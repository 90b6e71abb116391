"""The tagger stage: clean article in, tagged article out (no I/O, no faust)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from services.core.models import CleanArticle, TaggedArticle
from services.core.outcomes import Rejection
from services.core.stage import Emit, Stage
from services.tagger.embedding import Engine
from services.tagger.logic import Tagger

STAGE = "tagger"

Embed = Callable[[list[TaggedArticle]], list[list[float]]]


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

    def embed(articles: list[TaggedArticle]) -> list[list[float]]:
        return embedder.embed_articles([(a.title, a.lead, a.text) for a in articles])

    return embed


def build_stage(
    tagger: Tagger, embed: Embed | None = None, *, dlq_max_bytes: int = 64 * 1024
) -> Stage[CleanArticle]:
    """Return the tagger stage; ``embed`` adds the multilingual embedding, one call per batch."""

    def run_batch(articles: list[CleanArticle], now: datetime) -> list[Sequence[Emit] | Rejection]:
        results: list[TaggedArticle | Rejection] = []
        for article in articles:
            try:
                results.append(tagger.tag(article, now=now))
            except Exception as exc:  # errors are data: this article goes to the DLQ, the rest on
                results.append(Rejection("processing_error", f"{STAGE} failed: {exc!r}"))
        tagged = [r for r in results if isinstance(r, TaggedArticle)]
        if embed is not None and tagged:
            vectors = iter(embed(tagged))
            results = [
                r if isinstance(r, Rejection) else r.model_copy(update={"embedding": next(vectors)})
                for r in results
            ]
        return [r if isinstance(r, Rejection) else [Emit("out", r.article_id, r)] for r in results]

    def run(article: CleanArticle, now: datetime) -> Sequence[Emit] | Rejection:
        return run_batch([article], now)[0]

    return Stage(STAGE, CleanArticle, run, batch_fn=run_batch, dlq_max_bytes=dlq_max_bytes)
