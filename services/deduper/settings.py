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
    pending_ttl_s: float = Field(
        default=86_400.0,
        gt=0,
        description="An article whose partial verdicts have not all arrived after this is dead-lettered "
        "(verdict_timeout); a safety net against corrupt hop messages, long enough for any backlog.",
    )
