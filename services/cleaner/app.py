"""The cleaner worker: a faust app consuming ``articles.raw.v1``, producing ``articles.clean.v1``."""

from __future__ import annotations

from typing import Any

import faust

from services.cleaner.logic import CleanerConfig
from services.cleaner.settings import CleanerSettings
from services.cleaner.stage import STAGE, build_stage
from services.core import metrics
from services.core.faust_app import attach_stage, create_app, json_table, raw_topic
from services.core.models import CleanArticle
from services.core.settings import CLEAN, DLQ, RAW
from services.core.stage import Emit, Route


def _count_removals(emit: Emit) -> None:
    if isinstance(emit.value, CleanArticle):
        for removal in emit.value.removed:
            metrics.REMOVALS.labels(STAGE, removal.kind).inc()


def create(settings: CleanerSettings) -> faust.App:
    """Create the cleaner's faust app with its agent and its learned-boilerplate table."""
    app = create_app(STAGE, settings)
    kafka = settings.kafka
    lines: Any = json_table(
        app,
        "boilerplate-lines",
        kafka,
        "Learned boilerplate: line hash to the articles that carried it.",
    )
    stage = build_stage(
        CleanerConfig(max_payload_bytes=settings.max_payload_bytes),
        lines,
        dlq_max_bytes=settings.dlq_payload_max_bytes,
    )
    routes: dict[Route, Any] = {
        "out": raw_topic(app, kafka.topic(CLEAN)),
        "dlq": raw_topic(app, kafka.topic(DLQ)),
    }
    attach_stage(app, stage, raw_topic(app, kafka.topic(RAW)), routes, observe=_count_removals)
    return app
