"""Probes carry the signature: read back bit for bit, so the hops decide exactly as one process does."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np

from services.core.models import EnrichedArticle, TaggedArticle
from services.core.stage import encode
from services.deduper.logic import Signature
from services.deduper.partitioned import PartitionedDeduper
from services.deduper.stage import build_stages
from services.deduper.wire import from_wire, to_wire
from tests.unit.deduper.conftest import make_article
from tests.unit.deduper.test_hops import PROV, _deliver
from tests.unit.deduper.test_reindex import CONFIG, T0, _stream


def _same(a: Signature, b: Signature) -> bool:
    arrays = ("minhash", "embedding")
    for name in arrays:
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None) or (x is not None and not np.array_equal(x, y)):
            return False
        if x is not None and x.dtype != y.dtype:
            return False
    rest = [f for f in a.__dataclass_fields__ if f not in arrays]
    return all(getattr(a, f) == getattr(b, f) for f in rest)


def test_a_signature_survives_json_bit_for_bit(seeds: Callable[[str], list[TaggedArticle]]) -> None:
    deduper = PartitionedDeduper({}, 4)
    headline = make_article(
        "headline",
        "The central bank gave the money market 15 mln crowns of late help, dealers said.",
        T0,
        title="MONEY MARKET GIVEN 15 MLN CROWNS HELP",
        outlet="Wire",
    )
    articles = [*seeds("en"), headline, make_article("short", "Too short to shingle.", T0)]
    for article in articles:
        sig = deduper.signature(article)
        back = from_wire(json.loads(json.dumps(to_wire(sig))))
        assert _same(sig, back), article.article_id
    assert deduper.signature(headline).facts.outlet == "wire"  # the story facts travel whole
    assert deduper.signature(headline).facts.title_numbers == ("15",)
    assert deduper.signature(articles[-1]).minhash is None  # the None paths are covered too


def test_the_streaming_hops_decide_like_one_process() -> None:
    stream = _stream(150, 4)
    offline_state: dict[str, Any] = {}
    offline = PartitionedDeduper(offline_state, 4, CONFIG)
    expected = [offline.process(a, now=T0).duplicate for a in stream]
    streaming_state: dict[str, Any] = {}
    stages = build_stages(PartitionedDeduper(streaming_state, 4, CONFIG), {})
    got: list[Any] = []
    now = T0 + timedelta(days=30)  # after the stream: no event time is clamped as in the future
    for article in stream:
        routed = stages.route.handle(encode(article), PROV, now)
        finals = _deliver(stages, routed, now)
        got += [e.value.duplicate for e in finals if isinstance(e.value, EnrichedArticle)]
    assert got == expected
    assert {d.status for d in got} >= {"unique", "near", "exact"}
    assert streaming_state == offline_state, "the commits (keys only, away from home) store the same"
