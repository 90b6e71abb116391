"""The cleaner stage: raw article in, one clean article per part out (no I/O, no faust)."""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from services.cleaner.logic import BoilerplateMemory, CleanerConfig, clean
from services.core.clock import bound_article
from services.core.models import RawArticle
from services.core.outcomes import Rejection
from services.core.stage import Emit, Stage

STAGE = "cleaner"


def build_stage(
    config: CleanerConfig,
    memory_store: MutableMapping[str, Any] | None = None,
    *,
    dlq_max_bytes: int = 64 * 1024,
) -> Stage[RawArticle]:
    """Return the cleaner stage; ``memory_store`` backs the learned-boilerplate memory."""
    memory = BoilerplateMemory(memory_store) if memory_store is not None else None

    def run(raw: RawArticle, now: datetime) -> list[Emit] | Rejection:
        if memory is not None:
            memory.maybe_prune(now)  # bounded: lines unseen for the window are forgotten
        result = clean(raw, now=now, config=config, learned=memory)
        if isinstance(result, Rejection):
            return result
        return [Emit("out", a.article_id, bound_article(a, now)) for a in result]

    return Stage(STAGE, RawArticle, run, dlq_max_bytes=dlq_max_bytes)
