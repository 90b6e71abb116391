"""Settings of the tagger service (env prefix ``WIRESTREAM_TAGGER_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.core.settings import WorkerSettings


class TaggerSettings(WorkerSettings):
    """Settings of the tagger worker."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_TAGGER_", extra="ignore")

    metrics_port: int = 9102
    embeddings: bool = True
