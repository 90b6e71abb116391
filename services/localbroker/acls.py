"""Least-privilege ACLs of the pipeline's principals: one table, pure (the broker side applies it).

Every service principal may read only its input topics and its own consumer group, and write only
its outputs, the DLQ and its internal topics. What each service uses (see ``services/*/app.py`` and
``services/core/runner.py``): a consumer group ``<prefix>wirestream-<service>``; transactional
producers ``<group>-<n>``, one per task; changelog topics ``<group>-<table>-changelog`` (the
cleaner's and the deduper's tables) and the deduper's hop topics ``<group>-probes`` /
``<group>-verdicts``, all of which the worker creates itself. ``replay`` writes the raw topic and
the DLQ (unreadable records) and runs ``wirestream dlq`` (reads the DLQ, sends originals back to
the stage input topics with a ledger entry ``wirestream-dlq-replays`` in one transaction). ``admin``
is the super user (``super.users``): topics, ACLs, credentials, and outside reads.

Names carry the configured topic prefix; single names are LITERAL patterns, families (internal
topics, transactional ids) PREFIXED patterns on ``<prefix>wirestream-<service>-``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.core.settings import CLEAN, DLQ, DUPLICATES, ENRICHED, PUBLIC_TOPICS, RAW, TAGGED

ADMIN = "admin"
SERVICE_PRINCIPALS = ("cleaner", "tagger", "deduper", "replay")
PRINCIPALS = (*SERVICE_PRINCIPALS, ADMIN)
DLQ_LEDGER = "wirestream-dlq-replays"  # services.dlq.cli.LEDGER (not imported: that module pulls clients)
DLQ_TRANSACTIONAL_ID = "wirestream-dlq-replay"

Resource = Literal["topic", "group", "transactional-id"]
Pattern = Literal["literal", "prefixed"]


@dataclass(frozen=True)
class Grant:
    """One ALLOW rule: a principal may do ``operations`` on a resource named (or prefixed) ``name``."""

    principal: str
    resource: Resource
    name: str
    pattern: Pattern
    operations: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Role:
    """What a stage worker touches: input topics, output topics, and whether it owns internal topics."""

    service: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    internal_topics: str  # what the worker's own topics are, or "" when it has none


ROLES = (
    Role("cleaner", (RAW,), (CLEAN, DLQ), "changelog of its boilerplate-lines table"),
    Role("tagger", (CLEAN,), (TAGGED, DLQ), ""),
    Role("deduper", (TAGGED,), (ENRICHED, DUPLICATES, DLQ), "hops (probes, verdicts), table changelogs"),
)


def _worker_grants(role: Role, prefix: str) -> list[Grant]:
    group = f"{prefix}wirestream-{role.service}"
    user = role.service
    grants = [Grant(user, "topic", prefix + t, "literal", ("READ",), "input") for t in role.reads]
    grants += [
        Grant(user, "topic", prefix + t, "literal", ("WRITE",), "dead letters" if t == DLQ else "output")
        for t in role.writes
    ]
    grants.append(Grant(user, "group", group, "literal", ("READ",), "its consumer group and offsets"))
    grants.append(
        Grant(
            user,
            "transactional-id",
            f"{group}-",
            "prefixed",
            ("WRITE",),
            "a transactional producer per task, `<group>-<n>`",
        )
    )
    if role.internal_topics:
        grants.append(
            Grant(user, "topic", f"{group}-", "prefixed", ("READ", "WRITE", "CREATE"), role.internal_topics)
        )
    return grants


def _replay_grants(prefix: str) -> list[Grant]:
    user = "replay"
    stage_inputs = (RAW, CLEAN, TAGGED)  # where `wirestream dlq replay` sends originals back
    grants = [
        Grant(user, "topic", prefix + RAW, "literal", ("WRITE",), "replayed articles; dlq replay"),
        Grant(
            user, "topic", prefix + DLQ, "literal", ("READ", "WRITE"), "unreadable records; dlq tools read"
        ),
    ]
    grants += [
        Grant(user, "topic", prefix + t, "literal", ("WRITE",), "dlq replay back to a stage input")
        for t in stage_inputs
        if t != RAW
    ]
    grants += [
        Grant(user, "topic", prefix + t, "literal", ("DESCRIBE",), "metadata only: replay's topic check")
        for t in PUBLIC_TOPICS
        if t not in (*stage_inputs, DLQ)
    ]
    grants.append(
        Grant(user, "topic", prefix + DLQ_LEDGER, "literal", ("READ", "WRITE", "CREATE"), "dlq replay ledger")
    )
    grants.append(
        Grant(
            user,
            "transactional-id",
            prefix + DLQ_TRANSACTIONAL_ID,
            "literal",
            ("WRITE",),
            "dlq replay: originals and ledger in one transaction",
        )
    )
    return grants


def grants(prefix: str = "") -> list[Grant]:
    """Every ALLOW rule of the service principals for topic prefix ``prefix`` (admin is a super user)."""
    out: list[Grant] = []
    for role in ROLES:
        out += _worker_grants(role, prefix)
    return out + _replay_grants(prefix)


def markdown_table(rules: list[Grant]) -> str:
    """The rules as a Markdown table (the README's, generated from the same code)."""
    lines = [
        "| principal | resource | name | pattern | operations | for |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for g in rules:
        name = f"`{g.name}*`" if g.pattern == "prefixed" else f"`{g.name}`"
        lines.append(
            f"| `{g.principal}` | {g.resource} | {name} | {g.pattern} | {', '.join(g.operations)} | {g.why} |"
        )
    lines.append(
        f"| `{ADMIN}` | cluster | (all) | super user | all | topics, ACLs, credentials, outside reads |"
    )
    return "\n".join(lines)
