"""Settings shared by every service: the Kafka connection and topic names (pydantic-settings)."""

from __future__ import annotations

import ssl
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RAW = "articles.raw.v1"
CLEAN = "articles.clean.v1"
TAGGED = "articles.tagged.v1"
ENRICHED = "articles.enriched.v1"
DUPLICATES = "articles.duplicates.v1"
DLQ = "articles.dlq.v1"
PUBLIC_TOPICS = (RAW, CLEAN, TAGGED, ENRICHED, DUPLICATES, DLQ)


class KafkaSettings(BaseSettings):
    """How to reach Kafka and how topics are named and sized (env prefix ``WIRESTREAM_KAFKA_``)."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    topic_prefix: str = Field(default="", description="Prepended to every topic and group id.")
    partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    max_message_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=64 * 1024,
        description="max.message.bytes of the topics the project creates and the producers' max request "
        "size: a larger record is a dead letter (payload_too_large at replay), never a failed send.",
    )

    def topic(self, name: str) -> str:
        """Return the full name of a topic, with the configured prefix."""
        return f"{self.topic_prefix}{name}"

    def group(self, service: str) -> str:
        """Return the consumer group id (and faust app id) of a service."""
        return f"{self.topic_prefix}wirestream-{service}"

    def kafka_python_kwargs(self) -> dict[str, object]:
        """Return connection keyword arguments for kafka-python clients."""
        kwargs: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        return kwargs

    def aiokafka_kwargs(self) -> dict[str, object]:
        """Return connection keyword arguments for aiokafka clients (same names, plus a TLS context)."""
        kwargs = self.kafka_python_kwargs()
        if self.security_protocol.endswith("SSL"):
            kwargs["ssl_context"] = ssl.create_default_context()
        return kwargs


class WorkerSettings(BaseSettings):
    """Settings common to the stage workers; each stage subclasses it with its own env prefix."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    metrics_host: str = Field(
        default="127.0.0.1", description="/metrics bind address; containers set 0.0.0.0 explicitly."
    )
    metrics_port: int = 9100
    data_dir: str = Field(default=".cache/wirestream", description="the worker's data directory.")
    log_level: str = "info"
    dlq_payload_max_bytes: int = Field(default=64 * 1024, ge=256)
    max_message_bytes: int = Field(
        default=1_000_000,
        ge=1024,
        description="Largest record a stage emits (below the producer's max request size and the "
        "topics' max.message.bytes); a larger output becomes an output_too_large dead letter.",
    )
    max_poll_records: int = Field(default=64, ge=1, description="Input records per transaction cycle.")
    transaction_timeout_s: float = Field(
        default=30.0, gt=0, description="A cycle's sends and commit must finish within this (else reset)."
    )
    shutdown_timeout_s: float = Field(
        default=8.0, gt=0, description="SIGTERM: the longest wait for the open cycle and the clients."
    )

    @model_validator(mode="after")
    def _emits_fit_the_topics(self) -> WorkerSettings:
        """A stage's largest record must fit the topics' and producers' limit."""
        if self.max_message_bytes > self.kafka.max_message_bytes:
            raise ValueError(
                f"max_message_bytes ({self.max_message_bytes}) exceeds WIRESTREAM_KAFKA_MAX_MESSAGE_BYTES "
                f"({self.kafka.max_message_bytes}), the topics' max.message.bytes"
            )
        return self
