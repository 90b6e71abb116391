"""The hostile corpus (issue 10) through the real pipeline on the broker: every input accounted for.

replay → cleaner → tagger → deduper as worker processes; every payload must end as the manifest
says (enriched or duplicate articles, or a dead letter with its stage and reason), read with
``read_committed`` from the three output topics.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from services.core.consume import Record, collect_until
from services.core.models import DeadLetter, EnrichedArticle
from services.core.settings import DLQ, DUPLICATES, ENRICHED, KafkaSettings
from services.replay.producer import ReplaySettings, replay
from services.supervise import STAGES, Accounting, WorkerProcess
from tests.unit.test_hostile import Observed, expected_outcomes, matches, materialise, single


def _observed(records: list[Record], kafka: KafkaSettings) -> dict[str, dict[str | None, Observed]]:
    """What came out, by file uri (``<folder>/<file>``) and record id."""
    out: dict[str, dict[str | None, Observed]] = {}
    for record in records:
        if not isinstance(record.value, dict):
            continue
        if record.topic == kafka.topic(DLQ):
            letter = DeadLetter.model_validate(record.value)
            if letter.source is None:
                continue
            uri, record_id = letter.source.uri, letter.source.record_id
            out.setdefault(uri, {}).setdefault(record_id, Observed()).letters.append(letter)
        else:
            article = EnrichedArticle.model_validate(record.value)
            uri, record_id = article.source.uri, article.source.record_id
            out.setdefault(uri, {}).setdefault(record_id, Observed()).articles.append(article)
    return out


def test_the_hostile_corpus_is_accounted_for_on_the_broker(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]], tmp_path: Path
) -> None:
    root = tmp_path / "hostile"
    entries = materialise(root)
    start_workers(*STAGES, extra_env={"WIRESTREAM_TAGGER_EMBEDDING_BACKEND": "none"})
    summary = replay([root], ReplaySettings(kafka=kafka), progress=False)
    assert summary.failed == 0, summary.errors
    accounting = Accounting(raw_ids=set(summary.article_ids))
    topics = [kafka.topic(t) for t in (ENRICHED, DUPLICATES, DLQ)]

    def done(records: list[Record]) -> bool:
        at_replay = sum(1 for r in records if isinstance(r.value, dict) and r.value.get("stage") == "replay")
        return accounting.complete(records) and at_replay >= summary.dead_lettered

    records = collect_until(kafka, topics, done, deadline_s=300)
    observed = _observed(records, kafka)

    failures: list[str] = []
    for name, entry in entries.items():
        uri = f"{Path(name).stem}/{name}"
        expected = expected_outcomes(entry, broker=True)
        seen = single(observed.get(uri, {}), expected)
        if set(seen) != set(expected):
            failures.append(
                f"{name}: payloads {sorted(map(str, seen))}, expected {sorted(map(str, expected))}"
            )
            continue
        for key, outcome in expected.items():
            if not matches(outcome, seen[key]):
                failures.append(f"{name} [{key}]: expected {outcome}, got {seen[key].describe()}")
    assert not failures, "\n".join(failures)
    accounted: set[str] = set(observed)
    expected_uris: set[str] = {f"{Path(n).stem}/{n}" for n in entries}
    extra = accounted - expected_uris
    assert not extra, f"outputs for inputs that were not sent: {extra}"
