"""The offline path: the same stage functions in one process, no broker (``wirestream process``)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.cleaner.logic import CleanerConfig
from services.cleaner.stage import build_stage as build_cleaner
from services.core.ingest import (
    BadRecord,
    Payload,
    dead_letter_of,
    new_article_id,
    read_payloads,
    to_raw,
)
from services.core.models import (
    CleanArticle,
    DeadLetter,
    EnrichedArticle,
    RawArticle,
    TaggedArticle,
)
from services.core.outcomes import Provenance
from services.core.settings import WorkerSettings
from services.core.stage import Emit, Stage, encode
from services.deduper.logic import DeduperConfig
from services.deduper.partitioned import PartitionedDeduper
from services.deduper.stage import build_stage as build_deduper
from services.tagger.logic import Tagger
from services.tagger.stage import article_embedder
from services.tagger.stage import build_stage as build_tagger


@dataclass
class OfflineSummary:
    """Counts of an offline run."""

    payloads: int = 0
    enriched: int = 0
    dead_letters: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # records that are not articles, by kind


# the workers' default WIRESTREAM_<STAGE>_MAX_MESSAGE_BYTES: the largest record a stage emits
MAX_MESSAGE_BYTES: int = WorkerSettings.model_fields["max_message_bytes"].default


class OfflinePipeline:
    """cleaner → tagger → deduper in one process; state lives in plain dicts owned by the instance."""

    def __init__(
        self,
        cleaner_config: CleanerConfig | None = None,
        tagger: Tagger | None = None,
        deduper_config: DeduperConfig | None = None,
        embedding_backend: str = "e5",
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        overlap_embedding: bool = True,
    ) -> None:
        self.max_message_bytes = max_message_bytes
        self.boilerplate_store: dict[str, Any] = {}
        self.dedupe_store: dict[str, Any] = {}
        self.cleaner: Stage[RawArticle] = build_cleaner(
            cleaner_config or CleanerConfig(), self.boilerplate_store
        )
        self.tagger: Stage[CleanArticle] = build_tagger(
            tagger or Tagger(), article_embedder(embedding_backend), overlap=overlap_embedding
        )
        deduper = PartitionedDeduper(self.dedupe_store, 1, deduper_config or DeduperConfig())
        self.deduper: Stage[TaggedArticle] = build_deduper(deduper, forward_exact=True)

    def _run(self, stage: Stage[Any], item: Any, now: datetime) -> list[Emit]:
        """One stage on one item; outputs held to the workers' limit by ``Stage.bounded`` (as the runner)."""
        emits = stage.run(item, Provenance(), now)
        bounded = stage.bounded(emits, encode(item), Provenance(), now, self.max_message_bytes)
        return [emit for emit, _ in bounded]

    def run_raw(self, raw: RawArticle, now: datetime) -> Iterator[EnrichedArticle | DeadLetter]:
        """Run one raw article through every stage; yield enriched events and dead letters."""
        for cleaned in self._run(self.cleaner, raw, now):
            if isinstance(cleaned.value, DeadLetter):
                yield cleaned.value
                continue
            assert isinstance(cleaned.value, CleanArticle)
            for tagged in self._run(self.tagger, cleaned.value, now):
                if isinstance(tagged.value, DeadLetter):
                    yield tagged.value
                    continue
                assert isinstance(tagged.value, TaggedArticle)
                yield from _finals(self._run(self.deduper, tagged.value, now))

    def run_payloads(self, items: Iterable[Payload | BadRecord]) -> Iterator[EnrichedArticle | DeadLetter]:
        """Ingest payloads (new article ids) and run each through the pipeline."""
        for item in items:
            now = datetime.now(UTC)
            if isinstance(item, BadRecord):
                yield dead_letter_of(item, now)
                continue
            raw = to_raw(item, new_article_id(item.uri, item.record_id), now)
            yield from self.run_raw(raw, now)


def _finals(emits: list[Emit]) -> Iterator[EnrichedArticle | DeadLetter]:
    for emit in emits:
        if emit.route == "duplicates":
            continue  # offline forwards exact duplicates to the output, marked
        if isinstance(emit.value, EnrichedArticle | DeadLetter):
            yield emit.value


def _counted(items: Iterable[Payload | BadRecord], summary: OfflineSummary) -> Iterator[Payload | BadRecord]:
    """Pass the payloads on (streamed, never listed), counting them."""
    for item in items:
        summary.payloads += 1
        yield item


def process(
    paths: list[Path], output: Path | None, dlq_output: Path | None, pipeline: OfflinePipeline
) -> OfflineSummary:
    """Process files into enriched JSON lines (stdout when ``output`` is None) and DLQ lines."""
    summary = OfflineSummary()
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    dlq = dlq_output.open("w", encoding="utf-8") if dlq_output else sys.stderr
    try:
        for event in pipeline.run_payloads(_counted(read_payloads(paths, skipped=summary.skipped), summary)):
            if isinstance(event, DeadLetter):
                summary.dead_letters += 1
                dlq.write(event.model_dump_json() + "\n")
            else:
                summary.enriched += 1
                summary.statuses[event.duplicate.status] += 1
                out.write(event.model_dump_json() + "\n")
    finally:
        if output:
            out.close()
        if dlq_output:
            dlq.close()
    return summary
