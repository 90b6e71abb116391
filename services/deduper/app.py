"""The deduper worker: ``articles.tagged.v1`` → four hops over a key-partitioned index → enriched.

Sources of the one worker (one consumer group, one transaction per task): route (tagged →
probes + verdicts), index (probes, with the ``dedupe-index`` table), gather (verdicts, with the
``dedupe-pending`` table).
"""

from __future__ import annotations

from services.core import metrics
from services.core.kafka import ensure_topics
from services.core.models import EnrichedArticle
from services.core.runner import Source, Topology, changelog
from services.core.settings import DLQ, DUPLICATES, ENRICHED, TAGGED
from services.core.stage import Emit
from services.deduper.logic import DeduperConfig
from services.deduper.partitioned import PartitionedDeduper, derived_state
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


def create(settings: DeduperSettings) -> Topology:
    """The deduper's topology: three sources, two changelog-backed tables."""
    kafka = settings.kafka
    ensure_topics(kafka, [PROBES, VERDICTS])
    config = DeduperConfig(window_days=settings.window_days)
    # buckets, expiry slots, clock and count are not logged: recomputed from the records on restore
    index = changelog(settings, STAGE, "dedupe-index", derived_state(kafka.partitions, config))
    pending = changelog(settings, STAGE, "dedupe-pending")
    deduper = PartitionedDeduper(index, kafka.partitions, config)
    stages = build_stages(
        deduper,
        pending,
        forward_exact=settings.forward_exact,
        dlq_max_bytes=settings.dlq_payload_max_bytes,
        pending_ttl_s=settings.pending_ttl_s,
    )

    def observe_state() -> None:
        metrics.STATE_ENTRIES.labels(STAGE, "dedupe-index").set(index.entries())
        metrics.STATE_ENTRIES.labels(STAGE, "dedupe-pending").set(pending.entries())
        fresh = deduper.new_evictions()
        if fresh:
            metrics.STATE_EVICTIONS.labels(STAGE, "dedupe-index").inc(fresh)

    return Topology(
        service=STAGE,
        sources=[
            Source(kafka.topic(TAGGED), stages.route),
            Source(kafka.topic(PROBES), stages.index),
            Source(kafka.topic(VERDICTS), stages.gather, observe=_count_verdicts),
        ],
        routes={
            "out": kafka.topic(ENRICHED),
            "duplicates": kafka.topic(DUPLICATES),
            "probes": kafka.topic(PROBES),
            "verdicts": kafka.topic(VERDICTS),
            "dlq": kafka.topic(DLQ),
        },
        tables=[index, pending],
        after_commit=observe_state,
        main_topic=kafka.topic(TAGGED),
    )
