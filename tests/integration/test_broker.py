"""The local broker speaks to both client libraries the project uses (kafka-python, aiokafka)."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaConsumer, KafkaProducer

from services.core.kafka import ensure_topics
from services.core.settings import KafkaSettings


def test_kafka_python_round_trip(kafka: KafkaSettings) -> None:
    ensure_topics(kafka, ["roundtrip"])
    topic = kafka.topic("roundtrip")
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    for i in range(10):
        producer.send(topic, key=str(i).encode(), value=f"v{i}".encode())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"g-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=10_000,
    )
    values = sorted(m.value for m in consumer)
    consumer.close()
    assert values == sorted(f"v{i}".encode() for i in range(10))


async def test_aiokafka_round_trip_with_a_consumer_group(kafka: KafkaSettings) -> None:
    ensure_topics(kafka, ["aio"])
    topic = kafka.topic("aio")
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, key=b"k", value=f"m{i}".encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"g-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        got: list[bytes] = []
        while len(got) < 5:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, "no messages within 10s"
            got.extend(m.value for msgs in batch.values() for m in msgs if m.value is not None)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert got == [f"m{i}".encode() for i in range(5)]
