"""Settings of the cleaner service (env prefix ``WIRESTREAM_CLEANER_``)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.core.settings import WorkerSettings


class CleanerSettings(WorkerSettings):
    """Settings of the cleaner worker."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_CLEANER_", extra="ignore")

    metrics_port: int = 9101
    max_payload_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _payload_fits_a_message(self) -> CleanerSettings:
        """A payload the cleaner accepts must fit the raw topic's message limit."""
        if self.max_payload_bytes > self.kafka.max_message_bytes:
            raise ValueError(
                f"max_payload_bytes ({self.max_payload_bytes}) exceeds WIRESTREAM_KAFKA_MAX_MESSAGE_BYTES "
                f"({self.kafka.max_message_bytes}): such payloads could never reach the cleaner"
            )
        return self
