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
from services.core.stage import Emit, Stage
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


class OfflinePipeline:
    """cleaner → tagger → deduper in one process; state lives in plain dicts owned by the instance."""

    def __init__(
        self,
        cleaner_config: CleanerConfig | None = None,
        tagger: Tagger | None = None,
        deduper_config: DeduperConfig | None = None,
        embedding_backend: str = "e5",
    ) -> None:
        self.boilerplate_store: dict[str, Any] = {}
        self.dedupe_store: dict[str, Any] = {}
        self.cleaner: Stage[RawArticle] = build_cleaner(
            cleaner_config or CleanerConfig(), self.boilerplate_store
        )
        self.tagger: Stage[CleanArticle] = build_tagger(
            tagger or Tagger(), article_embedder(embedding_backend)
        )
        deduper = PartitionedDeduper(self.dedupe_store, 1, deduper_config or DeduperConfig())
        self.deduper: Stage[TaggedArticle] = build_deduper(deduper, forward_exact=True)

    def run_raw(self, raw: RawArticle, now: datetime) -> Iterator[EnrichedArticle | DeadLetter]:
        """Run one raw article through every stage; yield enriched events and dead letters."""
        none = Provenance()
        for cleaned in self.cleaner.run(raw, none, now):
            if isinstance(cleaned.value, DeadLetter):
                yield cleaned.value
                continue
            assert isinstance(cleaned.value, CleanArticle)
            for tagged in self.tagger.run(cleaned.value, none, now):
                if isinstance(tagged.value, DeadLetter):
                    yield tagged.value
                    continue
                assert isinstance(tagged.value, TaggedArticle)
                yield from _finals(self.deduper.run(tagged.value, none, now))

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


def process(
    paths: list[Path], output: Path | None, dlq_output: Path | None, pipeline: OfflinePipeline
) -> OfflineSummary:
    """Process files into enriched JSON lines (stdout when ``output`` is None) and DLQ lines."""
    summary = OfflineSummary()
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    dlq = dlq_output.open("w", encoding="utf-8") if dlq_output else sys.stderr
    try:
        payloads = list(read_payloads(paths))
        summary.payloads = len(payloads)
        for event in pipeline.run_payloads(payloads):
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
