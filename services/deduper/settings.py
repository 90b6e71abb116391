"""Settings of the deduper service (env prefix ``WIRESTREAM_DEDUPER_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.core.settings import WorkerSettings


class DeduperSettings(WorkerSettings):
    """Settings of the deduper worker."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_DEDUPER_", extra="ignore")

    metrics_port: int = 9103
    forward_exact: bool = Field(
        default=False, description="Also forward exact duplicates to articles.enriched.v1."
    )
    window_days: float = Field(default=7.0, gt=0)
