"""Settings of the cleaner service (env prefix ``WIRESTREAM_CLEANER_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.core.settings import WorkerSettings


class CleanerSettings(WorkerSettings):
    """Settings of the cleaner worker."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_CLEANER_", extra="ignore")

    metrics_port: int = 9101
    max_payload_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
