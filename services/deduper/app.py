"""The deduper worker: a faust app consuming ``articles.tagged.v1``, producing ``articles.enriched.v1``."""

from __future__ import annotations

from typing import Any

import faust

from services.core import metrics
from services.core.faust_app import attach_stage, create_app, json_table, raw_topic
from services.core.models import EnrichedArticle
from services.core.settings import DLQ, DUPLICATES, ENRICHED, TAGGED
from services.core.stage import Emit, Route
from services.deduper.logic import Deduper, DeduperConfig
from services.deduper.settings import DeduperSettings
from services.deduper.stage import STAGE, build_stage


def _count_verdicts(emit: Emit) -> None:
    value = emit.value
    if not isinstance(value, EnrichedArticle):
        return
    # An exact duplicate may be emitted twice (duplicates topic, and out when forwarded): count once.
    if emit.route == "duplicates" or value.duplicate.status != "exact":
        metrics.DUPLICATES.labels(STAGE, value.duplicate.status).inc()


def create(settings: DeduperSettings) -> faust.App:
    """Create the deduper's faust app with its agent and its changelog-backed index table."""
    app = create_app(STAGE, settings)
    kafka = settings.kafka
    index: Any = json_table(
        app,
        "dedupe-index",
        kafka.partitions,
        "Dedupe index: fingerprint and similarity keys to first-seen articles.",
    )
    deduper = Deduper(index, DeduperConfig(window_days=settings.window_days))
    stage = build_stage(
        deduper, forward_exact=settings.forward_exact, dlq_max_bytes=settings.dlq_payload_max_bytes
    )
    routes: dict[Route, Any] = {
        "out": raw_topic(app, kafka.topic(ENRICHED)),
        "duplicates": raw_topic(app, kafka.topic(DUPLICATES)),
        "dlq": raw_topic(app, kafka.topic(DLQ)),
    }
    attach_stage(app, stage, raw_topic(app, kafka.topic(TAGGED)), routes, observe=_count_verdicts)
    return app
