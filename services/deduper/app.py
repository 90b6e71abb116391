"""The deduper worker: ``articles.tagged.v1`` → three hops over a key-partitioned index → enriched.

Agents (one faust app, one consumer group): route (tagged → probes + verdicts), index (probes,
with the ``dedupe-index`` table), gather (verdicts, with the ``dedupe-pending`` table).
"""

from __future__ import annotations

from typing import Any

import faust

from services.core import metrics
from services.core.faust_app import attach_stage, create_app, json_table, raw_topic
from services.core.kafka import ensure_topics
from services.core.models import EnrichedArticle
from services.core.settings import DLQ, DUPLICATES, ENRICHED, TAGGED
from services.core.stage import Emit, Route
from services.deduper.logic import DeduperConfig
from services.deduper.partitioned import PartitionedDeduper
from services.deduper.settings import DeduperSettings
from services.deduper.stage import STAGE, build_stages

PROBES = "wirestream-deduper-probes"
VERDICTS = "wirestream-deduper-verdicts"


def _count_verdicts(emit: Emit) -> None:
    value = emit.value
    if not isinstance(value, EnrichedArticle):
        return
    # An exact duplicate may be emitted twice (duplicates topic, and out when forwarded): count once.
    if emit.route == "duplicates" or value.duplicate.status != "exact":
        metrics.DUPLICATES.labels(STAGE, value.duplicate.status).inc()


def create(settings: DeduperSettings) -> faust.App:
    """Create the deduper's faust app: three agents, two changelog-backed tables."""
    app = create_app(STAGE, settings)
    kafka = settings.kafka
    ensure_topics(kafka, [PROBES, VERDICTS])
    index: Any = json_table(
        app,
        "dedupe-index",
        kafka,
        "Dedupe index: each partition's slice of fingerprint, MinHash, embedding and entity keys.",
    )
    pending: Any = json_table(app, "dedupe-pending", kafka, "Articles waiting for their partial verdicts.")
    deduper = PartitionedDeduper(index, kafka.partitions, DeduperConfig(window_days=settings.window_days))
    stages = build_stages(
        deduper,
        pending,
        forward_exact=settings.forward_exact,
        dlq_max_bytes=settings.dlq_payload_max_bytes,
    )
    probes, verdicts = raw_topic(app, kafka.topic(PROBES)), raw_topic(app, kafka.topic(VERDICTS))
    dlq = raw_topic(app, kafka.topic(DLQ))

    def observe_state(_: Emit) -> None:
        metrics.STATE_ENTRIES.labels(STAGE, "dedupe-index").set(deduper.entries())
        fresh = deduper.new_evictions()
        if fresh:
            metrics.STATE_EVICTIONS.labels(STAGE, "dedupe-index").inc(fresh)

    route_routes: dict[Route, Any] = {"probes": probes, "verdicts": verdicts, "dlq": dlq}
    attach_stage(app, stages.route, raw_topic(app, kafka.topic(TAGGED)), route_routes)
    index_routes: dict[Route, Any] = {"verdicts": verdicts, "dlq": dlq}
    attach_stage(app, stages.index, probes, index_routes, observe=observe_state)
    gather_routes: dict[Route, Any] = {
        "out": raw_topic(app, kafka.topic(ENRICHED)),
        "duplicates": raw_topic(app, kafka.topic(DUPLICATES)),
        "probes": probes,
        "dlq": dlq,
    }
    attach_stage(app, stages.gather, verdicts, gather_routes, observe=_count_verdicts)
    return app
