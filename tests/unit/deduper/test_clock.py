"""One article with a clock decades ahead must not move the deduper's window (it is clamped, flagged)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.core.clock import FUTURE_FLAG
from services.core.models import EnrichedArticle
from services.core.outcomes import Provenance
from services.core.stage import encode
from services.deduper.messages import Pending, Probe
from services.deduper.partitioned import PartitionedDeduper
from services.deduper.stage import build_stage, build_stages
from tests.unit.deduper.conftest import make_article


def test_a_far_future_article_is_clamped_and_evicts_nothing(
    seed_texts: list[str], base_time: datetime
) -> None:
    deduper = PartitionedDeduper({}, 4)
    stage = build_stage(deduper)
    now = base_time + timedelta(minutes=1)
    stage.handle(encode(make_article("old", seed_texts[0], base_time)), Provenance(), now)
    future = make_article("future", seed_texts[1], base_time + timedelta(days=365 * 20))
    (emit,) = stage.handle(encode(future), Provenance(), now)
    assert isinstance(emit.value, EnrichedArticle)
    assert emit.value.timestamps.ingested == now and FUTURE_FLAG in emit.value.flags
    copy = make_article("copy", seed_texts[0], base_time + timedelta(minutes=2))
    (again,) = stage.handle(encode(copy), Provenance(), now)
    assert again.value.duplicate.status == "exact" and again.value.duplicate.of == "old"  # type: ignore[attr-defined]


def test_the_route_hop_clamps_before_the_probes(seed_texts: list[str], base_time: datetime) -> None:
    pending: dict[str, Any] = {}
    stages = build_stages(PartitionedDeduper({}, 4), pending)
    future = make_article("f", seed_texts[2], base_time + timedelta(days=3650))
    emits = stages.route.handle(encode(future), Provenance(), base_time)
    waiting = [e.value for e in emits if isinstance(e.value, Pending)]
    assert len(waiting) == 1 and waiting[0].article.timestamps.ingested == base_time
    assert FUTURE_FLAG in waiting[0].article.flags
    probes = [e.value for e in emits if isinstance(e.value, Probe)]
    assert probes and all(p.signature is not None and p.order is not None for p in probes)
    assert all(p.signature["t"] == int(base_time.timestamp()) for p in probes if p.signature)
    assert all(p.order[0] == int(base_time.timestamp() * 1_000_000) for p in probes if p.order)
