"""The tagger worker: ``articles.clean.v1`` → ``articles.tagged.v1``, run by the stage runner."""

from __future__ import annotations

from services.core.runner import Source, Topology
from services.core.settings import CLEAN, DLQ, TAGGED
from services.tagger.logic import Tagger
from services.tagger.settings import TaggerSettings
from services.tagger.stage import STAGE, article_embedder, build_stage


def create(settings: TaggerSettings) -> Topology:
    """The tagger's topology; models load once here, one embedding call per task and cycle."""
    kafka = settings.kafka
    embed = article_embedder(
        settings.embedding_backend,
        settings.embedding_threads,
        settings.embedding_max_chars,
        settings.embedding_engine,
    )
    stage = build_stage(Tagger(), embed, dlq_max_bytes=settings.dlq_payload_max_bytes)
    return Topology(
        service=STAGE,
        sources=[Source(kafka.topic(CLEAN), stage)],
        routes={"out": kafka.topic(TAGGED), "dlq": kafka.topic(DLQ)},
        main_topic=kafka.topic(CLEAN),
    )
