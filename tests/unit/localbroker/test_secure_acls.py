"""The ACL table: least privilege per principal, derived names, and the README's copy of it."""

from __future__ import annotations

import re

import pytest

from services.cleaner.app import create as create_cleaner
from services.cleaner.settings import CleanerSettings
from services.core.runner import Topology
from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, PUBLIC_TOPICS, RAW, TAGGED, KafkaSettings
from services.deduper.app import PROBES, VERDICTS
from services.localbroker.acls import ADMIN, SERVICE_PRINCIPALS, Grant, grants, markdown_table
from services.tagger.app import create as create_tagger
from services.tagger.settings import TaggerSettings
from tests.conftest import ROOT

PREFIX = "team-a."


def _covers(rules: list[Grant], resource: str, name: str, operation: str) -> bool:
    """True when one rule lets its principal do ``operation`` on ``name`` (literal or prefixed)."""
    for g in rules:
        hit = name == g.name if g.pattern == "literal" else name.startswith(g.name)
        if g.resource == resource and hit and operation in g.operations:
            return True
    return False


def _of(principal: str) -> list[Grant]:
    return [g for g in grants(PREFIX) if g.principal == principal]


def _topology_needs(topology: Topology, rules: list[Grant], kafka: KafkaSettings) -> None:
    group = kafka.group(topology.service)
    for source in topology.sources:
        assert _covers(rules, "topic", source.topic, "READ"), source.topic
    for topic in topology.routes.values():
        assert _covers(rules, "topic", topic, "WRITE"), topic
    for table in topology.tables:
        for op in ("READ", "WRITE", "CREATE"):
            assert _covers(rules, "topic", table.changelog_topic, op), table.changelog_topic
    assert _covers(rules, "group", group, "READ")
    assert _covers(rules, "transactional-id", f"{group}-3", "WRITE")


def test_the_cleaner_and_tagger_topologies_are_covered_and_nothing_more() -> None:
    kafka = KafkaSettings(topic_prefix=PREFIX)
    cleaner = create_cleaner(CleanerSettings(kafka=kafka))
    tagger = create_tagger(TaggerSettings(kafka=kafka, embedding_backend="none"))
    _topology_needs(cleaner, _of("cleaner"), kafka)
    _topology_needs(tagger, _of("tagger"), kafka)
    cleaner_rules = _of("cleaner")
    assert not _covers(cleaner_rules, "topic", PREFIX + CLEAN, "READ"), "the cleaner reads only raw"
    assert not _covers(cleaner_rules, "topic", PREFIX + ENRICHED, "WRITE")
    assert not _covers(cleaner_rules, "group", kafka.group("tagger"), "READ")
    assert not any(g.resource == "topic" and g.pattern == "prefixed" for g in _of("tagger")), "no tables"


def test_the_deduper_owns_its_hops_and_changelogs_only() -> None:
    kafka = KafkaSettings(topic_prefix=PREFIX)
    rules = _of("deduper")
    for hop in (PROBES, VERDICTS):
        for op in ("READ", "WRITE", "CREATE"):
            assert _covers(rules, "topic", kafka.topic(hop), op), hop
    assert _covers(rules, "topic", f"{kafka.group('deduper')}-dedupe-index-changelog", "WRITE")
    assert _covers(rules, "topic", PREFIX + TAGGED, "READ")
    for out in (ENRICHED, DUPLICATES, DLQ):
        assert _covers(rules, "topic", PREFIX + out, "WRITE"), out
    assert not _covers(rules, "topic", PREFIX + RAW, "WRITE")
    assert not _covers(rules, "topic", f"{kafka.group('cleaner')}-boilerplate-lines-changelog", "READ")


def test_replay_writes_the_raw_topic_and_runs_the_dlq_tools() -> None:
    rules = _of("replay")
    assert _covers(rules, "topic", PREFIX + RAW, "WRITE") and _covers(rules, "topic", PREFIX + DLQ, "WRITE")
    assert _covers(rules, "topic", PREFIX + DLQ, "READ"), "dlq inspect / replay read the DLQ"
    assert _covers(rules, "topic", PREFIX + "wirestream-dlq-replays", "CREATE")
    assert _covers(rules, "transactional-id", PREFIX + "wirestream-dlq-replay", "WRITE")
    assert not _covers(rules, "topic", PREFIX + ENRICHED, "READ"), "replay cannot read the outputs"
    assert not _covers(rules, "topic", PREFIX + ENRICHED, "WRITE")
    assert all(
        _covers(rules, "topic", PREFIX + t, "DESCRIBE")
        or _covers(rules, "topic", PREFIX + t, "WRITE")
        or _covers(rules, "topic", PREFIX + t, "READ")
        for t in PUBLIC_TOPICS
    ), "replay's topic check"


@pytest.mark.parametrize("prefix", ["", "t1234."])
def test_every_name_carries_the_prefix_and_admin_needs_no_rule(prefix: str) -> None:
    rules = grants(prefix)
    assert {g.principal for g in rules} == set(SERVICE_PRINCIPALS)
    assert all(g.name.startswith(prefix) for g in rules)
    assert all(g.name.startswith(f"{prefix}wirestream-") for g in rules if g.pattern == "prefixed")
    assert ADMIN not in {g.principal for g in rules}, "admin is a super user"
    assert len(set(rules)) == len(rules)


def test_the_readme_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = markdown_table(grants())
    assert table in readme, "README's ACL table drifted: paste markdown_table(grants())"
    assert re.search(r"\| `cleaner` \| topic \| `articles.raw.v1` \| literal \| READ \|", table)
