"""Exactly-once verification of a chaos run: pure functions over lists of output records.

Nothing here reads Kafka: ``Out`` is one record of ``articles.enriched.v1``, ``.duplicates.v1`` or
``.dlq.v1`` (its topic as ``enriched``/``duplicates``/``dlq``, and its JSON value). Every sent raw
article must come out exactly once per part: the cleaner may split article ``X`` into parts
``X.p1..X.pN`` (``source.parts = N``), or dead-letter it whole (a cleaner dead letter keyed ``X``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

OUTPUTS = ("enriched", "duplicates", "dlq")
_PART = re.compile(r"^(?P<parent>.+)\.p(?P<n>\d+)$")
SAMPLE = 50


@dataclass(frozen=True)
class Out:
    """One output record: the output it came from (``enriched``, ``duplicates``, ``dlq``) and its value."""

    topic: str
    value: Any


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def article_id(out: Out) -> str | None:
    """Return the record's ``article_id``, or None when it has none."""
    value = _dict(out.value).get("article_id")
    return value if isinstance(value, str) else None


def parent_of(article: str, sent: set[str]) -> str | None:
    """Return the sent raw id an output id belongs to (itself or ``<raw>.p<n>``), or None."""
    if article in sent:
        return article
    match = _PART.match(article)
    return match.group("parent") if match and match.group("parent") in sent else None


def _whole_dead_letter(out: Out, article: str, parent: str) -> bool:
    value = _dict(out.value)
    return out.topic == "dlq" and article == parent and value.get("stage") == "cleaner"


def _parts(out: Out) -> int | None:
    source = _dict(_dict(out.value).get("source"))
    parts = source.get("parts")
    return parts if isinstance(parts, int) and parts >= 1 else None


def status_of(out: Out) -> str:
    """Return ``dlq`` for a dead letter, else the record's ``duplicate.status`` (``?`` when absent)."""
    if out.topic == "dlq":
        return "dlq"
    status = _dict(_dict(out.value).get("duplicate")).get("status")
    return status if isinstance(status, str) else "?"


@dataclass
class Delivery:
    """What came out for the sent articles: lost, doubled and extra ids, per-topic counts."""

    sent: int
    units: int = 0
    delivered: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: dict[str, int] = field(default_factory=dict)
    conflicting: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    parts_mismatch: list[str] = field(default_factory=list)
    by_topic: dict[str, int] = field(default_factory=dict)

    @property
    def extra_copies(self) -> int:
        """Return how many records more than one per id the doubled ids got."""
        return sum(n - 1 for n in self.doubled.values())

    def to_json(self) -> dict[str, Any]:
        """Return counts and (at most ``SAMPLE``) example ids, JSON-ready."""
        return {
            "sent": self.sent,
            "units": self.units,
            "delivered": self.delivered,
            "lost": len(self.lost),
            "doubled": len(self.doubled),
            "extra_copies": self.extra_copies,
            "doubled_with_conflicting_status": len(self.conflicting),
            "extra": len(self.extra),
            "parts_mismatch": len(self.parts_mismatch),
            "by_topic": dict(self.by_topic),
            "lost_ids": self.lost[:SAMPLE],
            "doubled_ids": dict(sorted(self.doubled.items())[:SAMPLE]),
            "conflicting_ids": self.conflicting[:SAMPLE],
            "extra_ids": self.extra[:SAMPLE],
            "parts_mismatch_ids": self.parts_mismatch[:SAMPLE],
        }


def delivery(sent: Sequence[str], outs: Iterable[Out], *, forward_exact: bool = False) -> Delivery:
    """Account every sent id against the outputs; count lost, doubled and extra ids.

    A part (or a whole cleaner dead letter) must be in exactly one record over the three outputs.
    With ``forward_exact`` an exact duplicate may be on both ``duplicates`` and ``enriched`` once.
    """
    sent_set = set(sent)
    result = Delivery(sent=len(sent_set))
    copies: dict[str, list[Out]] = {}
    parts: dict[str, set[int]] = {}
    whole: set[str] = set()
    topics: Counter[str] = Counter()
    for out in outs:
        topics[out.topic] += 1
        article = article_id(out)
        parent = parent_of(article, sent_set) if article is not None else None
        if article is None or parent is None:
            result.extra.append(article or f"<no article_id on {out.topic}>")
            continue
        copies.setdefault(article, []).append(out)
        if _whole_dead_letter(out, article, parent):
            whole.add(parent)
        elif (n := _parts(out)) is not None:
            parts.setdefault(parent, set()).add(n)
    result.by_topic = dict(topics)
    seen_by_parent: dict[str, set[str]] = {}
    for article in copies:
        parent = parent_of(article, sent_set)
        assert parent is not None
        seen_by_parent.setdefault(parent, set()).add(article)
    for parent in dict.fromkeys(sent):
        seen = seen_by_parent.get(parent, set())
        sizes = parts.get(parent, set())
        if len(sizes) > 1:
            result.parts_mismatch.append(parent)
        n = max(sizes, default=1)
        expected = {parent} if n == 1 or seen == {parent} else _part_ids(parent, n)
        unexpected = seen - expected
        if parent in whole and parent in unexpected:
            result.doubled[parent] = 2  # dead-lettered whole by the cleaner, and also came out in parts
            unexpected.discard(parent)
        result.units += len(expected)
        result.delivered += len(expected & seen)
        result.lost.extend(sorted(expected - seen))
        result.extra.extend(sorted(unexpected))
    for article, records in copies.items():
        kept = _allowed_copies(records) if forward_exact else records
        if len(kept) > 1:
            result.doubled[article] = max(result.doubled.get(article, 0), len(kept))
            if len({status_of(r) for r in kept}) > 1:
                result.conflicting.append(article)
    return result


def _part_ids(parent: str, n: int) -> set[str]:
    return {f"{parent}.p{i}" for i in range(1, n + 1)}


def _allowed_copies(records: list[Out]) -> list[Out]:
    """Drop the one forwarded enriched copy of an exact duplicate that is also on ``duplicates``."""
    exact_dup = any(r.topic == "duplicates" and status_of(r) == "exact" for r in records)
    if not exact_dup:
        return records
    for i, record in enumerate(records):
        if record.topic == "enriched" and status_of(record) == "exact":
            return records[:i] + records[i + 1 :]
    return records


@dataclass
class Consistency:
    """Verdicts that contradict each other or point nowhere."""

    dangling_of: list[str] = field(default_factory=list)
    dangling_story: list[str] = field(default_factory=list)
    self_of: list[str] = field(default_factory=list)
    mutual: list[tuple[str, str]] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)

    def violations(self) -> int:
        """Return the number of violations of every kind."""
        return sum(
            len(x) for x in (self.dangling_of, self.dangling_story, self.self_of, self.mutual, self.cycles)
        ) + len(self.malformed)

    def to_json(self) -> dict[str, Any]:
        """Return counts and (at most ``SAMPLE``) examples, JSON-ready."""
        kinds = ("dangling_of", "dangling_story", "self_of", "mutual", "cycles", "malformed")
        data: dict[str, Any] = {"violations": self.violations()}
        for kind in kinds:
            items = getattr(self, kind)
            data[kind] = len(items)
            data[f"{kind}_examples"] = [list(i) if isinstance(i, tuple) else i for i in items[:SAMPLE]]
        return data


def consistency(outs: Iterable[Out]) -> Consistency:
    """Check the verdicts of the enriched and duplicate records against each other.

    ``duplicate.of`` and ``story_id`` must name an emitted (enriched or duplicate) article, never
    the article itself (``of``); no two articles may point at each other (``of`` or ``story_id``);
    the ``of`` graph has no cycle (``cycles``: longer than two; two-cycles count as ``mutual``);
    ``of`` is set exactly when the status is not ``unique`` (``malformed``).
    """
    verdicts = [out for out in outs if out.topic in ("enriched", "duplicates")]
    emitted = {a for out in verdicts if (a := article_id(out)) is not None}
    result = Consistency()
    of_edges: dict[str, set[str]] = {}
    edges: set[tuple[str, str]] = set()
    for out in verdicts:
        article = article_id(out)
        if article is None:
            continue
        value = _dict(out.value)
        of = _dict(value.get("duplicate")).get("of")
        story = value.get("story_id")
        if (of is None) != (status_of(out) == "unique"):
            result.malformed.append(article)
        if isinstance(of, str):
            if of == article:
                result.self_of.append(article)
            else:
                of_edges.setdefault(article, set()).add(of)
                edges.add((article, of))
            if of not in emitted:
                result.dangling_of.append(article)
        if isinstance(story, str):
            if story not in emitted:
                result.dangling_story.append(article)
            if story != article:
                edges.add((article, story))
    result.mutual = sorted({(a, b) for a, b in edges if a < b and (b, a) in edges})
    result.cycles = [sorted(c) for c in strongly_connected(of_edges) if len(c) > 2]
    result.malformed = sorted(set(result.malformed))
    return result


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Return the strongly connected components of a directed graph (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    nodes = list(dict.fromkeys([*graph, *(t for ts in graph.values() for t in ts)]))
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, list(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, list(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components
