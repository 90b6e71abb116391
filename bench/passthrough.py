"""The framework's limit: the pipeline's three hops run by the stage runner, forwarding each value.

``python -m bench.passthrough cleaner|tagger|deduper`` runs one hop with the real workers' runner
(same transactions, read_committed consumer, commit per cycle); its stage only parses the JSON
value and re-emits it, so the difference to the real pipeline is the stage work: validation,
stage function, model encoding. Settings come from ``WIRESTREAM_PASSTHROUGH_<HOP>_*`` (metrics
port, data dir) and the usual ``WIRESTREAM_KAFKA_*``; the consumer group is
``<prefix>wirestream-passthrough-<hop>``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from pydantic import RootModel

from services.core.runner import Source, Topology, run_worker
from services.core.settings import CLEAN, DLQ, ENRICHED, RAW, TAGGED, WorkerSettings
from services.core.stage import Emit, Stage

HOPS = {"cleaner": (RAW, CLEAN), "tagger": (CLEAN, TAGGED), "deduper": (TAGGED, ENRICHED)}


class Opaque(RootModel[Any]):
    """Any JSON value, forwarded unchanged."""


def settings_for(hop: str) -> WorkerSettings:
    """Return the worker settings of one pass-through hop (env prefix WIRESTREAM_PASSTHROUGH_<HOP>_)."""
    prefix = f"WIRESTREAM_PASSTHROUGH_{hop.upper()}_"
    return WorkerSettings(_env_prefix=prefix)


def create(hop: str, settings: WorkerSettings) -> Topology:
    """The topology of one hop: a single stage forwarding every value under its key."""
    name = f"passthrough-{hop}"
    source_name, target_name = HOPS[hop]
    kafka = settings.kafka

    def forward(value: Opaque, now: datetime) -> list[Emit]:
        key = value.root.get("article_id", "") if isinstance(value.root, dict) else ""
        return [Emit("out", str(key), value)]

    return Topology(
        service=name,
        sources=[Source(kafka.topic(source_name), Stage(name, Opaque, forward))],
        routes={"out": kafka.topic(target_name), "dlq": kafka.topic(DLQ)},
        main_topic=kafka.topic(source_name),
    )


def main(argv: list[str]) -> int:
    """Run one pass-through hop until SIGTERM."""
    if len(argv) != 1 or argv[0] not in HOPS:
        print(f"usage: python -m bench.passthrough {'|'.join(HOPS)}", file=sys.stderr)
        return 2
    hop = argv[0]
    settings = settings_for(hop)
    run_worker(create(hop, settings), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
