"""The tagger stage: clean article in, tagged article out (no I/O, no faust)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.core.models import CleanArticle, TaggedArticle
from services.core.stage import Emit, Stage
from services.tagger.logic import Tagger

STAGE = "tagger"

Embed = Callable[[TaggedArticle], list[float]]


def article_embedder(backend: str, threads: int = 1) -> Embed | None:
    """Return the embedding function of a backend (``e5``, ``use``), or None for ``none``."""
    if backend == "none":
        return None
    from services.tagger.embedding import Embedder

    embedder = Embedder("use" if backend == "use" else "e5", threads=threads)

    def embed(article: TaggedArticle) -> list[float]:
        return embedder.embed_article(article.title, article.lead, article.text)

    return embed


def build_stage(
    tagger: Tagger, embed: Embed | None = None, *, dlq_max_bytes: int = 64 * 1024
) -> Stage[CleanArticle]:
    """Return the tagger stage; ``embed`` adds the multilingual embedding when given."""

    def run(article: CleanArticle, now: datetime) -> list[Emit]:
        tagged = tagger.tag(article, now=now)
        if embed is not None:
            tagged = tagged.model_copy(update={"embedding": embed(tagged)})
        return [Emit("out", tagged.article_id, tagged)]

    return Stage(STAGE, CleanArticle, run, dlq_max_bytes=dlq_max_bytes)
