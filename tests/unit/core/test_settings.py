"""Settings: one class per service, env prefixes, secrets."""

from __future__ import annotations

import pytest

from services.cleaner.settings import CleanerSettings
from services.core.settings import KafkaSettings
from services.deduper.settings import DeduperSettings


def test_kafka_settings_read_their_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("WIRESTREAM_KAFKA_TOPIC_PREFIX", "staging.")
    kafka = KafkaSettings()
    assert kafka.topic("articles.raw.v1") == "staging.articles.raw.v1"
    assert kafka.group("cleaner") == "staging.wirestream-cleaner"
    assert kafka.kafka_python_kwargs()["bootstrap_servers"] == ["k1:9092", "k2:9092"]


def test_service_settings_nest_kafka_and_use_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIRESTREAM_KAFKA_PARTITIONS", "8")
    monkeypatch.setenv("WIRESTREAM_CLEANER_METRICS_PORT", "9999")
    monkeypatch.setenv("WIRESTREAM_DEDUPER_FORWARD_EXACT", "true")
    cleaner = CleanerSettings()
    assert cleaner.metrics_port == 9999
    assert cleaner.kafka.partitions == 8
    assert DeduperSettings().forward_exact is True
    assert DeduperSettings().metrics_port == 9103


def test_password_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIRESTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("WIRESTREAM_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("WIRESTREAM_KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("WIRESTREAM_KAFKA_SASL_PASSWORD", "hunter2")
    kafka = KafkaSettings()
    assert "hunter2" not in repr(kafka)
    assert kafka.kafka_python_kwargs()["sasl_plain_password"] == "hunter2"


def test_stage_limits_must_fit_the_topic_message_limit() -> None:
    from services.cleaner.settings import CleanerSettings
    from services.core.settings import KafkaSettings

    small = KafkaSettings(max_message_bytes=1024 * 1024)
    with pytest.raises(ValueError, match="max_payload_bytes"):
        CleanerSettings(kafka=small)  # the 2 MiB payload limit cannot pass a 1 MiB topic
    assert CleanerSettings(kafka=small, max_payload_bytes=512 * 1024, max_message_bytes=512 * 1024)
    with pytest.raises(ValueError, match="max_message_bytes"):
        CleanerSettings(kafka=small, max_payload_bytes=1024, max_message_bytes=2 * 1024 * 1024)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"security_protocol": "SSL", "sasl_mechanism": "SCRAM-SHA-512"}, "use SASL_SSL"),
        ({"security_protocol": "SASL_SSL"}, "needs WIRESTREAM_KAFKA_SASL_MECHANISM"),
        ({"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u"}, "needs"),
        ({"ssl_cafile": "/ca.pem"}, "TLS files are set but the protocol is PLAINTEXT"),
        ({"security_protocol": "SSL", "ssl_certfile": "/c.pem"}, "both"),
    ],
)
def test_protocol_mechanism_and_tls_files_are_cross_checked(fields: dict[str, str], message: str) -> None:
    """faust and kafka-python once disagreed on such settings; now they do not load at all."""
    with pytest.raises(ValueError, match=message):
        KafkaSettings.model_validate(fields)


def test_one_tls_context_for_every_client() -> None:
    plain = KafkaSettings()
    assert plain.ssl_context() is None and "ssl_context" not in plain.kafka_python_kwargs()
    tls = KafkaSettings(security_protocol="SSL", ssl_check_hostname=False)
    context = tls.kafka_python_kwargs()["ssl_context"]
    assert context is not None and tls.aiokafka_kwargs().keys() == tls.kafka_python_kwargs().keys()
    assert getattr(context, "check_hostname") is False  # noqa: B009
