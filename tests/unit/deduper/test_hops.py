"""The deduper's streaming hops as pure stages: every article ends as one output or one dead letter."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.core.models import DeadLetter, EnrichedArticle
from services.core.outcomes import Provenance
from services.core.stage import Emit, encode
from services.deduper.messages import Pending
from services.deduper.partitioned import PartitionedDeduper, home
from services.deduper.stage import build_stages
from tests.unit.deduper.conftest import make_article

PROV = Provenance("t", 0, 7)


def _deliver(stages: Any, emits: list[Emit], now: datetime, hops: list[str] | None = None) -> list[Emit]:
    """Run hop messages through their stages until only final emits (out, duplicates, dlq) remain.

    ``hops`` collects the kind of every message sent to the index hop (Probe, Verify, Commit).
    """
    finals: list[Emit] = []
    queue = list(emits)
    while queue:
        emit = queue.pop(0)
        if emit.route == "probes":
            if hops is not None:
                hops.append(type(emit.value).__name__)
            queue.extend(stages.index.handle(encode(emit.value), PROV, now))
        elif emit.route == "verdicts":
            queue.extend(stages.gather.handle(encode(emit.value), PROV, now))
        else:
            finals.append(emit)
    return finals


def _waiting(pending: dict[str, Any]) -> list[str]:
    return [key for key in pending if not key.startswith("meta:")]


def _dead_letter(finals: list[Emit], article_id: str, pending: dict[str, Any]) -> DeadLetter:
    """The one final emit, a dead letter of the article, with nothing left waiting in the gather."""
    assert [(e.route, e.key) for e in finals] == [("dlq", article_id)], "one dead letter, no output"
    letter = finals[0].value
    assert isinstance(letter, DeadLetter)
    assert _waiting(pending) == [], "nothing left waiting"
    return letter


def test_an_article_comes_out_once_through_the_hops(seed_texts: list[str], base_time: datetime) -> None:
    pending: dict[str, Any] = {}
    stages = build_stages(PartitionedDeduper({}, 4), pending)
    article = make_article("x1", seed_texts[0], base_time)
    finals = _deliver(stages, stages.route.handle(encode(article), PROV, base_time), base_time)
    assert [(e.route, e.key) for e in finals] == [("out", "x1")]
    assert isinstance(finals[0].value, EnrichedArticle) and _waiting(pending) == []


def test_a_probe_that_fails_dead_letters_its_article_instead_of_waiting_forever(
    seed_texts: list[str], base_time: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending: dict[str, Any] = {}
    deduper = PartitionedDeduper({}, 4)
    stages = build_stages(deduper, pending)
    article = make_article("x2", seed_texts[1], base_time)
    routed = stages.route.handle(encode(article), PROV, base_time)
    victim = next(e.partition for e in routed if e.route == "probes")
    real = deduper.probe_signature

    def probe(partition: int, sig: Any, order: Any) -> Any:
        if partition == victim:
            raise RuntimeError("disk on fire")
        return real(partition, sig, order)

    monkeypatch.setattr(deduper, "probe_signature", probe)
    letter = _dead_letter(_deliver(stages, routed, base_time), "x2", pending)
    assert letter.reason == "processing_error"
    assert letter.article_id == "x2" and "disk on fire" in letter.error and letter.source is not None


def test_a_verification_that_fails_dead_letters_its_article(
    seed_texts: list[str], base_time: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending: dict[str, Any] = {}
    deduper = PartitionedDeduper({}, 4)
    stages = build_stages(deduper, pending)
    first = make_article("v1", seed_texts[2], base_time)
    assert [
        e.route for e in _deliver(stages, stages.route.handle(encode(first), PROV, base_time), base_time)
    ] == ["out"]
    update = make_article("v2", seed_texts[2] + "\n\nUpdate: more later.", base_time + timedelta(seconds=9))

    def verify(partition: int, sig: Any, candidates: list[str]) -> Any:
        assert candidates == ["v1"], "the first version is the candidate"
        raise RuntimeError("home partition on fire")

    monkeypatch.setattr(deduper, "verify", verify)
    finals = _deliver(stages, stages.route.handle(encode(update), PROV, base_time), base_time)
    assert "home partition on fire" in _dead_letter(finals, "v2", pending).error


def test_a_redelivered_article_gets_its_verdict_back_without_verifying_or_storing_again(
    seed_texts: list[str], base_time: datetime
) -> None:
    state: dict[str, Any] = {}
    stages = build_stages(PartitionedDeduper(state, 4), {})
    first = make_article("r1", seed_texts[2], base_time)
    near = make_article("r2", seed_texts[2] + "\n\nUpdate: more later.", base_time + timedelta(seconds=9))
    for article in (first, near):
        _deliver(stages, stages.route.handle(encode(article), PROV, base_time), base_time)
    before = dict(state)
    routed = stages.route.handle(encode(near), PROV, base_time)
    hops: list[str] = []
    (out,) = _deliver(stages, routed, base_time, hops)
    assert isinstance(out.value, EnrichedArticle)
    assert (out.value.duplicate.status, out.value.duplicate.of) == ("near", "r1")
    assert set(hops) == {"Probe"}, "settled by the probes: no verification, no commit"
    assert state == before


class _BrokenTable(dict[str, Any]):
    def get(self, key: str, default: Any = None) -> Any:
        raise OSError("state store unavailable")


def test_a_hop_message_that_fails_is_a_dead_letter_with_its_article_id(
    seed_texts: list[str], base_time: datetime
) -> None:
    stages = build_stages(PartitionedDeduper({}, 4), _BrokenTable())
    article = make_article("x3", seed_texts[2], base_time)
    pending = next(e for e in stages.route.handle(encode(article), PROV, base_time) if e.route == "verdicts")
    (letter,) = stages.gather.handle(encode(pending.value), PROV, base_time)
    assert letter.route == "dlq" and letter.key == "x3"
    assert isinstance(letter.value, DeadLetter) and letter.value.article_id == "x3"
    assert letter.value.source is not None and letter.value.reason == "processing_error"


def test_an_entry_whose_partials_never_arrive_is_dead_lettered_after_the_ttl(
    seed_texts: list[str], base_time: datetime
) -> None:
    pending: dict[str, Any] = {}
    stages = build_stages(PartitionedDeduper({}, 4), pending, pending_ttl_s=600)
    stuck = make_article("stuck", seed_texts[0], base_time)
    routed = stages.route.handle(encode(stuck), PROV, base_time)
    waiting = next(e for e in routed if e.route == "verdicts")  # its probes are "lost"
    assert stages.gather.handle(encode(waiting.value), PROV, base_time) == []
    assert "stuck" in pending
    later = base_time + timedelta(minutes=5)
    other = make_article("other", seed_texts[1], later)
    finals = _deliver(stages, stages.route.handle(encode(other), PROV, later), later)
    assert [e.key for e in finals] == ["other"], "not yet: inside the TTL"
    late = base_time + timedelta(minutes=12)
    third = make_article("third", seed_texts[2], late)
    finals = _deliver(stages, stages.route.handle(encode(third), PROV, late), late)
    assert sorted((e.route, e.key) for e in finals) == [("dlq", "stuck"), ("out", "third")]
    (letter,) = [e.value for e in finals if e.route == "dlq"]
    assert isinstance(letter, DeadLetter) and letter.reason == "verdict_timeout"
    assert letter.source is not None and "stuck" not in pending
    assert _waiting(pending) == [], "the article kept beside the entry went with it"


class _Writes(dict[str, Any]):
    """A pending table that counts the writes per key (what its changelog would carry)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: dict[str, int] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes[key] = self.writes.get(key, 0) + 1
        super().__setitem__(key, value)


def test_the_article_is_written_once_not_with_every_partial_verdict(
    seed_texts: list[str], base_time: datetime
) -> None:
    pending = _Writes()
    stages = build_stages(PartitionedDeduper({}, 7), pending)
    article = make_article("x4", seed_texts[0], base_time)
    routed = stages.route.handle(encode(article), PROV, base_time)
    probes = sum(1 for e in routed if e.route == "probes")
    finals = _deliver(stages, routed, base_time)
    assert [(e.route, e.key) for e in finals] == [("out", "x4")] and probes >= 2
    assert pending.writes["a:x4"] == 1, "the article: one write"
    assert pending.writes["x4"] == probes, "the small entry: the article, then each partial but the last"
    assert _waiting(pending) == []


def test_an_entry_written_by_an_older_version_with_the_article_inline_completes(
    seed_texts: list[str], base_time: datetime
) -> None:
    pending: dict[str, Any] = {}
    stages = build_stages(PartitionedDeduper({}, 4), pending)
    article = make_article("x5", seed_texts[1], base_time)
    routed = stages.route.handle(encode(article), PROV, base_time)
    waiting = next(e.value for e in routed if e.route == "verdicts")
    assert isinstance(waiting, Pending)
    pending["x5"] = {  # what the gather used to write for a Pending message
        "since": base_time.timestamp(),
        "article": article.model_dump(mode="json"),
        "partitions": waiting.partitions,
        "fingerprint": waiting.fingerprint,
    }
    finals = _deliver(stages, [e for e in routed if e.route == "probes"], base_time)
    assert [(e.route, e.key) for e in finals] == [("out", "x5")]
    assert _waiting(pending) == []


def test_an_older_versions_partials_and_commit_still_complete_and_finalise(
    seed_texts: list[str], base_time: datetime
) -> None:
    """In flight across an upgrade: partial verdicts of the three-hop version, then its commit."""
    state: dict[str, Any] = {}
    pending: dict[str, Any] = {}
    deduper = PartitionedDeduper(state, 4)
    stages = build_stages(deduper, pending)
    article = make_article("old1", seed_texts[3], base_time)
    sig = deduper.signature(article)
    parts = deduper.routes(sig)
    pending["old1"] = {"since": base_time.timestamp(), "partitions": parts, "fingerprint": sig.fingerprint}
    pending["a:old1"] = article.model_dump(mode="json")  # no signature kept: the gather computes it
    pending["old1"]["seen"] = True
    old_partial = {
        "kind": "partial",
        "article_id": "old1",
        "status": "unique",
        "of": None,
        "similarity": None,
    }
    emits: list[Emit] = []
    for n in parts:
        message = {**old_partial, "partition": n, "story_id": "old1"}
        emits += stages.gather.handle(json.dumps(message).encode(), PROV, base_time)
    routes = sorted((e.route, type(e.value).__name__) for e in emits)
    assert routes == [("out", "EnrichedArticle"), *[("probes", "Commit")] * len(parts)]
    home_key = f"p{home('old1', 4)}/doc:old1"
    state[home_key] = {"t": 1, "v": ["unique", None, None], "s": "old1", "f": "ab"}  # its old probe's
    for emit in emits:
        if emit.route == "probes":
            stages.index.handle(encode(emit.value), PROV, base_time)
    assert state[home_key]["k"] == 1 and state[home_key]["m"], "stored, final, by the new commit"
    # a commit of the old version (no signature) finalises the record its probe wrote
    state["p0/doc:old2"] = {"t": 1, "v": ["unique", None, None], "s": "old2", "f": "ab"}
    legacy = {"kind": "commit", "partition": 0, "article_id": "old2", "fingerprint": "ab"}
    legacy |= {"status": "unique", "of": None, "similarity": None, "story_id": "old2"}
    assert stages.index.handle(json.dumps(legacy).encode(), PROV, base_time) == []
    assert state["p0/doc:old2"]["k"] == 1
