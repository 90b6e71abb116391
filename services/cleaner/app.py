"""The cleaner worker: ``articles.raw.v1`` → ``articles.clean.v1``, run by the stage runner."""

from __future__ import annotations

from services.cleaner.logic import CleanerConfig
from services.cleaner.settings import CleanerSettings
from services.cleaner.stage import STAGE, build_stage
from services.core import metrics
from services.core.models import CleanArticle
from services.core.runner import Source, Topology, changelog
from services.core.settings import CLEAN, DLQ, RAW
from services.core.stage import Emit


def _count_removals(emit: Emit) -> None:
    if isinstance(emit.value, CleanArticle):
        for removal in emit.value.removed:
            metrics.REMOVALS.labels(STAGE, removal.kind).inc()


def create(settings: CleanerSettings) -> Topology:
    """The cleaner's topology: one source, its learned-boilerplate table."""
    kafka = settings.kafka
    lines = changelog(settings, STAGE, "boilerplate-lines")
    stage = build_stage(
        CleanerConfig(max_payload_bytes=settings.max_payload_bytes),
        lines,
        dlq_max_bytes=settings.dlq_payload_max_bytes,
    )
    return Topology(
        service=STAGE,
        sources=[Source(kafka.topic(RAW), stage, observe=_count_removals)],
        routes={"out": kafka.topic(CLEAN), "dlq": kafka.topic(DLQ)},
        tables=[lines],
        after_commit=lambda: metrics.STATE_ENTRIES.labels(STAGE, "boilerplate-lines").set(lines.entries()),
        main_topic=kafka.topic(RAW),
    )
