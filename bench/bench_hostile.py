"""Processing time of every hostile-corpus input (issue 10: no message may take more than 2 s).

    .venv/bin/python -m bench.bench_hostile [--output bench/results/hostile.json]

Runs each input of ``tests/data/hostile/expected.json`` through the offline pipeline's stages
(embedding backend ``none``), each stage's output held to the workers' record limit as in
``wirestream process``, and times every message of every stage: the cleaner's one message per
payload, then each clean article through the tagger and each tagged one through the deduper
(in the streaming pipeline each is its own Kafka message). Per input it writes the slowest
message (the 2 s target), the cleaner's time and the payload's total over all its messages.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.core.ingest import BadRecord, dead_letter_of, new_article_id, read_payloads, to_raw
from services.core.models import CleanArticle, DeadLetter, EnrichedArticle, TaggedArticle
from services.core.outcomes import Provenance
from services.core.stage import Emit, Stage, encode
from services.offline import OfflinePipeline
from tests.unit.test_hostile import Observed, materialise

TARGET_S = 2.0


class Timed:
    """The stages of one offline pipeline, timing each message."""

    def __init__(self, pipeline: OfflinePipeline) -> None:
        self.pipeline = pipeline
        self.slowest = 0.0
        self.cleaner = 0.0

    def stage(self, stage: Stage[Any], item: Any, now: datetime) -> list[Emit]:
        started = time.perf_counter()
        emits = stage.run(item, Provenance(), now)
        out = [
            e
            for e, _ in stage.bounded(emits, encode(item), Provenance(), now, self.pipeline.max_message_bytes)
        ]
        seconds = time.perf_counter() - started
        self.slowest = max(self.slowest, seconds)
        if stage is self.pipeline.cleaner:
            self.cleaner += seconds
        return out

    def run(self, folder: Path) -> dict[str | None, Observed]:
        p = self.pipeline
        seen: dict[str | None, Observed] = {}
        for item in read_payloads([folder]):
            observed = seen.setdefault(item.record_id, Observed())
            started, now = time.perf_counter(), datetime.now(UTC)
            if isinstance(item, BadRecord):
                observed.letters.append(dead_letter_of(item, now))
                continue
            for cleaned in self.stage(
                p.cleaner, to_raw(item, new_article_id(item.uri, item.record_id), now), now
            ):
                if isinstance(cleaned.value, DeadLetter):
                    observed.letters.append(cleaned.value)
                if not isinstance(cleaned.value, CleanArticle):
                    continue
                for tagged in self.stage(p.tagger, cleaned.value, now):
                    if isinstance(tagged.value, DeadLetter):
                        observed.letters.append(tagged.value)
                    if not isinstance(tagged.value, TaggedArticle):
                        continue
                    for final in self.stage(p.deduper, tagged.value, now):
                        if isinstance(final.value, DeadLetter):
                            observed.letters.append(final.value)
                        elif isinstance(final.value, EnrichedArticle) and final.route != "duplicates":
                            observed.articles.append(final.value)
            observed.seconds += time.perf_counter() - started
        return seen


def main() -> None:
    """Time every corpus input and write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("bench/results/hostile.json"))
    args = parser.parse_args()
    timed = Timed(OfflinePipeline(embedding_backend="none"))
    items: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, entry in materialise(root).items():
            timed.slowest = timed.cleaner = 0.0
            for key, seen in timed.run(root / Path(name).stem).items():
                items.append(
                    {
                        "file": name,
                        "record": key,
                        "max_message_seconds": round(timed.slowest, 4),
                        "cleaner_seconds": round(timed.cleaner, 4),
                        "payload_seconds": round(seen.seconds, 4),
                        "outcome": seen.describe(),
                        "known_gap": bool(entry.get("known_gap")),
                    }
                )
    slowest = max(items, key=lambda i: float(i["max_message_seconds"]))
    heaviest = max(items, key=lambda i: float(i["payload_seconds"]))
    over = [i["file"] for i in items if float(i["max_message_seconds"]) > TARGET_S]
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.bench_hostile",
        "machine": platform.platform(),
        "embedding_backend": "none",
        "target_s": TARGET_S,
        "payloads": len(items),
        "max_seconds": slowest["max_message_seconds"],
        "slowest": slowest["file"],
        "max_cleaner_seconds": max(float(i["cleaner_seconds"]) for i in items),
        "max_payload_seconds": heaviest["payload_seconds"],
        "heaviest_payload": heaviest["file"],
        "over_target": over,
        "known_gaps": sorted({str(i["file"]) for i in items if i["known_gap"]}),
        "items": items,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{len(items)} payloads, slowest message {slowest['max_message_seconds']} s ({slowest['file']}), "
        f"cleaner max {report['max_cleaner_seconds']} s, heaviest payload {heaviest['payload_seconds']} s "
        f"({heaviest['file']}, all its messages), over {TARGET_S} s: {over}"
    )


if __name__ == "__main__":
    main()
