"""The tagger worker: a faust app consuming ``articles.clean.v1``, producing ``articles.tagged.v1``."""

from __future__ import annotations

from typing import Any

import faust

from services.core.faust_app import attach_stage, create_app, raw_topic
from services.core.settings import CLEAN, DLQ, TAGGED
from services.core.stage import Route
from services.tagger.logic import Tagger
from services.tagger.settings import TaggerSettings
from services.tagger.stage import STAGE, article_embedder, build_stage


def create(settings: TaggerSettings) -> faust.App:
    """Create the tagger's faust app with its agent; models load once here."""
    app = create_app(STAGE, settings)
    kafka = settings.kafka
    embed = article_embedder(settings.embedding_backend, settings.embedding_threads)
    stage = build_stage(Tagger(), embed, dlq_max_bytes=settings.dlq_payload_max_bytes)
    routes: dict[Route, Any] = {
        "out": raw_topic(app, kafka.topic(TAGGED)),
        "dlq": raw_topic(app, kafka.topic(DLQ)),
    }
    batch = (settings.batch_size, settings.batch_within_s) if settings.batch_size > 1 else None
    attach_stage(app, stage, raw_topic(app, kafka.topic(CLEAN)), routes, batch=batch)
    return app
