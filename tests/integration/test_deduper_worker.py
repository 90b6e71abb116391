"""The deduper workers on the real broker: across partitions and workers, restarts, redelivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaProducer

from services.core.consume import Record, collect_until, records
from services.core.models import EnrichedArticle, Source, TaggedArticle, Timestamps
from services.core.settings import DUPLICATES, ENRICHED, TAGGED, KafkaSettings
from services.deduper.reindex import is_bucket_key
from services.supervise import WorkerProcess, scrape, stop_workers
from tests.conftest import SEEDS

T0 = datetime.now(UTC).replace(microsecond=0)


def _article(article_id: str, text: str, seconds: int) -> TaggedArticle:
    return TaggedArticle(
        article_id=article_id,
        parent_id=article_id,
        source=Source(uri=f"{article_id}.txt"),
        text=text,
        timestamps=Timestamps(ingested=T0 + timedelta(seconds=seconds)),
    )


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def _produce(kafka: KafkaSettings, articles: list[tuple[TaggedArticle, int]]) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    for article, partition in articles:
        value = article.model_dump_json().encode()
        producer.send(
            kafka.topic(TAGGED), key=article.article_id.encode(), value=value, partition=partition
        ).get(timeout=30)
    producer.close()


def _verdicts(kafka: KafkaSettings, ids: set[str], deadline_s: float = 90) -> dict[str, EnrichedArticle]:
    """Wait until every id came out on the enriched or duplicates topic; return the last event of each."""

    def done(records: list[Record]) -> bool:
        return ids <= {r.key for r in records}

    topics = [kafka.topic(ENRICHED), kafka.topic(DUPLICATES)]
    records = collect_until(kafka, topics, done, deadline_s=deadline_s)
    return {r.key: EnrichedArticle.model_validate(r.value) for r in records if r.key in ids}


def _deduper(start: Callable[..., list[WorkerProcess]], tmp_path: Path, name: str) -> WorkerProcess:
    env = {"WIRESTREAM_DEDUPER_DATA_DIR": str(tmp_path / name)}
    (worker,) = start("deduper", extra_env=env)
    return worker


def test_near_duplicates_on_different_partitions_and_workers_are_matched(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]], tmp_path: Path
) -> None:
    workers = [_deduper(start_workers, tmp_path, "w1"), _deduper(start_workers, tmp_path, "w2")]
    texts = _seed_texts()
    originals = [_article(f"orig-{i}", text, i) for i, text in enumerate(texts)]
    _produce(kafka, [(a, 0) for a in originals])
    first = _verdicts(kafka, {a.article_id for a in originals})
    assert {v.duplicate.status for v in first.values()} <= {"unique", "same_story"}

    variants = [
        _article(f"upd-{i}", text + "\n\nUpdate: officials confirmed the details on Monday.", 100 + i)
        for i, text in enumerate(texts)
    ]
    _produce(kafka, [(a, 3) for a in variants])  # another input partition than the originals
    second = _verdicts(kafka, {a.article_id for a in variants})
    for i in range(len(texts)):
        verdict = second[f"upd-{i}"].duplicate
        assert (verdict.status, verdict.of) == ("near", f"orig-{i}"), i
        assert second[f"upd-{i}"].story_id == first[f"orig-{i}"].story_id

    routed = [
        scrape(w.metrics_url()).get("wirestream_messages_in_total{stage=deduper-route}", 0.0) for w in workers
    ]
    indexed = [
        scrape(w.metrics_url()).get("wirestream_messages_in_total{stage=deduper-index}", 0.0) for w in workers
    ]
    assert sum(routed) == 2 * len(texts)
    assert all(n > 0 for n in indexed), f"both workers own index partitions: {indexed}"


def test_state_survives_a_restart_and_redelivery_is_not_a_duplicate(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]], tmp_path: Path
) -> None:
    worker = _deduper(start_workers, tmp_path, "before")
    texts = _seed_texts()
    originals = [_article(f"first-{i}", text, i) for i, text in enumerate(texts)]
    _produce(kafka, [(a, i % 4) for i, a in enumerate(originals)])
    before = _verdicts(kafka, {a.article_id for a in originals})
    stop_workers([worker])

    # A new process restores its tables from the changelogs (read_committed).
    _deduper(start_workers, tmp_path, "after")
    copies = [_article(f"copy-{i}", text, 200 + i) for i, text in enumerate(texts)]
    _produce(kafka, [(a, (i + 1) % 4) for i, a in enumerate(copies)])
    after = _verdicts(kafka, {a.article_id for a in copies})
    for i in range(len(texts)):
        assert (after[f"copy-{i}"].duplicate.status, after[f"copy-{i}"].duplicate.of) == (
            "exact",
            f"first-{i}",
        )
    # near copies are found through the MinHash buckets, which the changelog does not carry: the
    # new process rebuilt them from the article records it restored
    nears = [
        _article(f"near-{i}", text + "\n\nUpdate: officials confirmed the details on Monday.", 300 + i)
        for i, text in enumerate(texts)
    ]
    _produce(kafka, [(a, (i + 2) % 4) for i, a in enumerate(nears)])
    found = _verdicts(kafka, {a.article_id for a in nears})
    for i in range(len(texts)):
        verdict = found[f"near-{i}"].duplicate
        assert (verdict.status, verdict.of) == ("near", f"first-{i}"), i
    changelog = f"{kafka.group('deduper')}-dedupe-index-changelog"
    logged = {r.key or "" for r in records(kafka, [changelog], idle_timeout_s=3, deadline_s=30)}
    assert any("/doc:first-0" in key for key in logged)
    assert not [key for key in logged if is_bucket_key(json.loads(key))], "index buckets were logged"

    _produce(kafka, [(originals[0], 0)])  # a redelivery: same article_id, same message
    topics = [kafka.topic(ENRICHED)]
    out = collect_until(kafka, topics, lambda rs: sum(r.key == "first-0" for r in rs) >= 2, deadline_s=90)
    again = [EnrichedArticle.model_validate(r.value) for r in out if r.key == "first-0"]
    assert again[-1].duplicate == before["first-0"].duplicate
    assert again[-1].duplicate.of != "first-0"
