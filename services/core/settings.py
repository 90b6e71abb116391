"""Settings shared by every service: the Kafka connection and topic names (pydantic-settings)."""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

RAW = "articles.raw.v1"
CLEAN = "articles.clean.v1"
TAGGED = "articles.tagged.v1"
ENRICHED = "articles.enriched.v1"
DUPLICATES = "articles.duplicates.v1"
DLQ = "articles.dlq.v1"
PUBLIC_TOPICS = (RAW, CLEAN, TAGGED, ENRICHED, DUPLICATES, DLQ)
# A file of WIRESTREAM_KAFKA_* lines (e.g. .cache/kafka/secure/<principal>.env) read by every
# KafkaSettings; variables set in the environment win over the file. `wirestream --env-file` sets it.
ENV_FILE_VAR = "WIRESTREAM_ENV_FILE"


def env_file() -> Path | None:
    """The env file named by WIRESTREAM_ENV_FILE, if any."""
    name = os.environ.get(ENV_FILE_VAR)
    return Path(name) if name else None


class KafkaSettings(BaseSettings):
    """How to reach Kafka and how topics are named and sized (env prefix ``WIRESTREAM_KAFKA_``)."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = Field(
        default=None, description="CA bundle that signed the brokers' certificates."
    )
    ssl_certfile: str | None = Field(default=None, description="Client certificate (mutual TLS).")
    ssl_keyfile: str | None = Field(default=None, description="Client private key (mutual TLS).")
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = Field(
        default=True, description="Verify the broker's name against its certificate."
    )
    topic_prefix: str = Field(default="", description="Prepended to every topic and group id.")
    partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    max_message_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=64 * 1024,
        description="max.message.bytes of the topics the project creates and the producers' max request "
        "size: a larger record is a dead letter (payload_too_large at replay), never a failed send.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the WIRESTREAM_ENV_FILE file (read at each load)."""
        path = env_file()
        dotenv = dotenv_settings if path is None else DotEnvSettingsSource(settings_cls, env_file=path)
        return init_settings, env_settings, dotenv, file_secret_settings

    def topic(self, name: str) -> str:
        """Return the full name of a topic, with the configured prefix."""
        return f"{self.topic_prefix}{name}"

    def group(self, service: str) -> str:
        """Return the consumer group id (and faust app id) of a service."""
        return f"{self.topic_prefix}wirestream-{service}"

    @model_validator(mode="after")
    def _protocol_and_mechanism_agree(self) -> KafkaSettings:
        """SASL settings only with a SASL protocol, and a SASL protocol only with a mechanism and user."""
        path = env_file()
        if path is not None and not path.is_file():
            raise ValueError(f"{ENV_FILE_VAR}={path}: no such file")
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and not (self.sasl_mechanism and self.sasl_username and self.sasl_password):
            raise ValueError(
                f"WIRESTREAM_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs "
                "WIRESTREAM_KAFKA_SASL_MECHANISM, _SASL_USERNAME and _SASL_PASSWORD"
            )
        if not sasl and self.sasl_mechanism:
            raise ValueError(
                f"WIRESTREAM_KAFKA_SASL_MECHANISM is set but the protocol is {self.security_protocol}: "
                "use SASL_SSL (or SASL_PLAINTEXT) to authenticate, or unset the mechanism"
            )
        tls_files = [self.ssl_cafile, self.ssl_certfile, self.ssl_keyfile]
        if any(tls_files) and not self.security_protocol.endswith("SSL"):
            raise ValueError(
                f"TLS files are set but the protocol is {self.security_protocol}: use SSL or SASL_SSL"
            )
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("mutual TLS needs both WIRESTREAM_KAFKA_SSL_CERTFILE and _SSL_KEYFILE")
        return self

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context every client uses (kafka-python and aiokafka alike), or None for plaintext."""
        if not self.security_protocol.endswith("SSL"):
            return None
        context = ssl.create_default_context(cafile=self.ssl_cafile)
        context.check_hostname = self.ssl_check_hostname
        if self.ssl_certfile and self.ssl_keyfile:
            password = self.ssl_key_password.get_secret_value() if self.ssl_key_password else None
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile, password=password)
        return context

    def kafka_python_kwargs(self) -> dict[str, object]:
        """Return connection keyword arguments for kafka-python clients (aiokafka takes the same)."""
        kwargs: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl_context"] = context
        if self.sasl_mechanism:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        return kwargs

    def aiokafka_kwargs(self) -> dict[str, object]:
        """Return connection keyword arguments for aiokafka clients: one code path with kafka-python's."""
        return self.kafka_python_kwargs()

    def describe(self) -> str:
        """Where and as whom this connects, without secrets (for error messages)."""
        who = f" as {self.sasl_username!r} ({self.sasl_mechanism})" if self.sasl_username else ""
        return f"{self.bootstrap_servers} over {self.security_protocol}{who}"


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
    batch_linger_ms: int = Field(
        default=0,
        ge=0,
        le=5000,
        description="After a fetch returns fewer than max_poll_records, wait up to this long for more "
        "before the cycle: fewer transactions per article (each costs ~3-8 ms of CPU), more latency per hop.",
    )
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
