"""The framework's limit: the pipeline's three hops as faust agents that forward bytes, no logic.

``python -m bench.passthrough cleaner|tagger|deduper`` runs one hop with the same app settings as
the real workers (``create_app``/``raw_topic``: same acks, partitions, offsets, concurrency=1), so
the difference to the real pipeline is the stage work: decode, validate, stage function, encode.
Settings come from ``WIRESTREAM_PASSTHROUGH_<HOP>_*`` (metrics port, data dir) and the usual
``WIRESTREAM_KAFKA_*``; the consumer group is ``<prefix>wirestream-passthrough-<hop>``.
"""

from __future__ import annotations

import sys
from typing import Any

import faust

from services.core import metrics
from services.core.faust_app import create_app, raw_topic, run_worker, track_assignment
from services.core.settings import CLEAN, ENRICHED, RAW, TAGGED, WorkerSettings

HOPS = {"cleaner": (RAW, CLEAN), "tagger": (CLEAN, TAGGED), "deduper": (TAGGED, ENRICHED)}


def settings_for(hop: str) -> WorkerSettings:
    """Return the worker settings of one pass-through hop (env prefix WIRESTREAM_PASSTHROUGH_<HOP>_)."""
    prefix = f"WIRESTREAM_PASSTHROUGH_{hop.upper()}_"
    return WorkerSettings(_env_prefix=prefix)


def create(hop: str, settings: WorkerSettings) -> faust.App:
    """Create the faust app of one hop: a single agent forwarding key and value bytes unchanged."""
    name = f"passthrough-{hop}"
    source_name, target_name = HOPS[hop]
    app = create_app(name, settings)
    kafka = settings.kafka
    source = raw_topic(app, kafka.topic(source_name))
    target = raw_topic(app, kafka.topic(target_name))

    async def forward(stream: Any) -> None:
        async for event in stream.events():
            metrics.MESSAGES_IN.labels(name).inc()
            await target.send(key=event.key, value=event.value)

    forward.__name__ = f"passthrough_{hop}_agent"
    track_assignment(app, name, source.get_topic_name())
    app.agent(source, name=f"{name}-agent", concurrency=1)(forward)
    return app


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
