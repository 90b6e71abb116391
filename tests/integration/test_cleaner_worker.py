"""A stage worker on the real broker: bad messages go to the DLQ with provenance; the worker goes on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from kafka import KafkaProducer

from services.core.consume import collect_until
from services.core.models import CleanArticle, DeadLetter, RawArticle, Source, Timestamps
from services.core.poll import poll_until
from services.core.settings import CLEAN, DLQ, RAW, KafkaSettings
from services.supervise import WorkerProcess, scrape
from tests.conftest import DATA, SEEDS, wait_for_metric


def _raw(article_id: str, text: str) -> bytes:
    event = RawArticle(
        article_id=article_id,
        source=Source(uri="test.txt"),
        text=text,
        timestamps=Timestamps(ingested=datetime.now(UTC)),
    )
    return event.model_dump_json().encode()


def test_bad_messages_are_dead_lettered_and_the_worker_goes_on(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    (cleaner,) = start_workers("cleaner")
    good_text = (SEEDS / "000_31c98fa0c6d8e29d.txt").read_text(encoding="utf-8")
    messages = [
        (b"bad-json", b"{this is not json"),
        (b"bad-schema", b'{"article_id": "x"}'),
        (b"empty-text", _raw("empty-text", "   \n\t ")),
        (b"good", _raw("good", good_text)),
    ]
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    sent: dict[str, tuple[int, int]] = {}
    for key, value in messages:
        meta = producer.send(kafka.topic(RAW), key=key, value=value).get(timeout=30)
        sent[key.decode()] = (meta.partition, meta.offset)
    producer.close()

    letters = collect_until(kafka, [kafka.topic(DLQ)], lambda r: len(r) >= 3, deadline_s=60)
    by_reason = {d.reason: d for d in (DeadLetter.model_validate(r.value) for r in letters)}
    assert set(by_reason) == {"invalid_json", "schema_violation", "empty_text"}
    for reason, sent_key in [
        ("invalid_json", "bad-json"),
        ("schema_violation", "bad-schema"),
        ("empty_text", "empty-text"),
    ]:
        letter = by_reason[reason]
        assert letter.stage == "cleaner"
        assert letter.source_topic == kafka.topic(RAW)
        assert (letter.source_partition, letter.source_offset) == sent[sent_key]
    assert by_reason["invalid_json"].payload == "{this is not json"
    assert by_reason["empty_text"].article_id == "empty-text"

    cleaned = collect_until(kafka, [kafka.topic(CLEAN)], lambda r: len(r) >= 1, deadline_s=60)
    article = CleanArticle.model_validate(cleaned[0].value)
    assert article.article_id == "good" and cleaned[0].key == "good"
    wait_for_metric(
        cleaner.metrics_url(), "wirestream_dlq_messages_total{reason=invalid_json,stage=cleaner}", 1
    )
    wait_for_metric(cleaner.metrics_url(), "wirestream_messages_in_total{stage=cleaner}", 4)


def test_binary_payload_is_dead_lettered_not_crashing(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    start_workers("cleaner")
    from services.core.ingest import Payload, to_raw

    binary = (DATA / "ingest" / "image.bin.txt").read_bytes()
    raw = to_raw(Payload("image.bin.txt", None, binary, "text/plain"), "bin-1", datetime.now(UTC))
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    producer.send(kafka.topic(RAW), key=b"bin-1", value=raw.model_dump_json().encode()).get(30)
    producer.close()
    letters = collect_until(kafka, [kafka.topic(DLQ)], lambda r: len(r) >= 1, deadline_s=60)
    letter = DeadLetter.model_validate(letters[0].value)
    assert letter.article_id == "bin-1"
    assert letter.reason == "binary_payload"


LINGER_MS = "3000"  # ample against the five sends, each waiting for its fetch (~0.1 s), on a loaded machine


def test_with_a_batch_linger_records_arriving_within_it_share_one_transaction(
    kafka: KafkaSettings, start_workers: Callable[..., list[WorkerProcess]]
) -> None:
    (cleaner,) = start_workers("cleaner", extra_env={"WIRESTREAM_CLEANER_BATCH_LINGER_MS": LINGER_MS})
    text = (SEEDS / "000_31c98fa0c6d8e29d.txt").read_text(encoding="utf-8")
    committed = "wirestream_transactions_total{result=committed,stage=cleaner}"
    fetched = "wirestream_records_fetched_total{stage=cleaner}"
    before = scrape(cleaner.metrics_url()).get(committed, 0.0)
    fetched_before = scrape(cleaner.metrics_url()).get(fetched, 0.0)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    ids = [f"linger-{i}" for i in range(5)]

    def wait_fetched(n: int) -> None:
        """Until the worker's consumer has fetched n records since the test began."""
        poll_until(
            lambda: scrape(cleaner.metrics_url()).get(fetched, 0.0) - fetched_before >= n,
            deadline_s=10,
            interval_s=0.05,
            what=f"record {n} fetched",
        )

    for n, article_id in enumerate(ids, start=1):  # one partition, one task: one cycle of all five
        producer.send(kafka.topic(RAW), key=article_id.encode(), value=_raw(article_id, text), partition=0)
        producer.flush()
        # each arrives in a fetch of its own before the next: without the linger, a cycle each
        wait_fetched(n)
    producer.close()
    out = collect_until(
        kafka, [kafka.topic(CLEAN)], lambda rs: {r.value["parent_id"] for r in rs} >= set(ids), deadline_s=60
    )
    assert {r.value["parent_id"] for r in out} == set(ids)

    def transactions() -> float:
        return scrape(cleaner.metrics_url()).get(committed, 0.0) - before

    poll_until(lambda: transactions() >= 1, deadline_s=10, what="the cycle's transaction counted")
    assert transactions() == 1
