"""The offline reference: the same raw articles, in the order sent, through ``OfflinePipeline``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.core.models import DeadLetter, RawArticle


def offline_statuses(
    raws: Sequence[RawArticle], embedding_backend: str, progress: bool = False
) -> dict[str, str]:
    """Return ``{article_id: status}`` (``dlq`` for dead letters) of an offline run over ``raws``."""
    from tqdm import tqdm

    from services.offline import OfflinePipeline

    pipeline = OfflinePipeline(embedding_backend=embedding_backend)
    found: dict[str, str] = {}
    bar: Any = tqdm(total=len(raws), unit="art", desc="offline", disable=not progress)
    try:
        for raw in raws:
            for event in pipeline.run_raw(raw, raw.timestamps.ingested):
                if isinstance(event, DeadLetter):
                    if event.article_id is not None:
                        found.setdefault(event.article_id, "dlq")
                else:
                    found.setdefault(event.article_id, event.duplicate.status)
            bar.update(1)
    finally:
        bar.close()
    return found
