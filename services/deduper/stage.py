"""The deduper stage: tagged article in, enriched article (or duplicate record) out (no faust)."""

from __future__ import annotations

from datetime import datetime

from services.core.models import TaggedArticle
from services.core.stage import Emit, Stage
from services.deduper.logic import Deduper

STAGE = "deduper"


def build_stage(
    deduper: Deduper, *, forward_exact: bool = False, dlq_max_bytes: int = 64 * 1024
) -> Stage[TaggedArticle]:
    """Return the deduper stage; exact duplicates go to the duplicates topic unless forwarded."""

    def run(article: TaggedArticle, now: datetime) -> list[Emit]:
        enriched = deduper.process(article, now=now)
        if enriched.duplicate.status == "exact":
            emits = [Emit("duplicates", enriched.article_id, enriched, outcome="duplicate")]
            if forward_exact:
                emits.append(Emit("out", enriched.article_id, enriched))
            return emits
        return [Emit("out", enriched.article_id, enriched)]

    return Stage(STAGE, TaggedArticle, run, dlq_max_bytes=dlq_max_bytes)
