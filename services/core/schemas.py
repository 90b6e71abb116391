"""JSON Schemas of the topics, generated from the pydantic models (``make schemas`` writes them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from services.core.models import (
    CleanArticle,
    DeadLetter,
    EnrichedArticle,
    RawArticle,
    TaggedArticle,
)
from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, RAW, TAGGED

TOPIC_MODELS: dict[str, type[BaseModel]] = {
    RAW: RawArticle,
    CLEAN: CleanArticle,
    TAGGED: TaggedArticle,
    ENRICHED: EnrichedArticle,
    DUPLICATES: EnrichedArticle,
    DLQ: DeadLetter,
}


def schema_for(topic: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a topic's message values."""
    schema = TOPIC_MODELS[topic].model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://wirestream.dev/schemas/{topic}.json",
        "title": f"{topic} message value",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def render(topic: str) -> str:
    """Return the schema file text of a topic."""
    return json.dumps(schema_for(topic), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_all(directory: Path) -> list[Path]:
    """Write one schema file per topic into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in TOPIC_MODELS:
        path = directory / f"{topic}.json"
        path.write_text(render(topic), encoding="utf-8")
        written.append(path)
    return written
