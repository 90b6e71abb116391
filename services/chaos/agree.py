"""Agreement of the streaming verdicts with an offline run over the same articles (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.chaos.verify import SAMPLE, Out, article_id, parent_of, status_of

MISSING = "missing"


def statuses(outs: Iterable[Out]) -> dict[str, str]:
    """Return ``{article_id: status}`` from the first record of each id (``dlq`` for dead letters)."""
    found: dict[str, str] = {}
    for out in outs:
        article = article_id(out)
        if article is not None and article not in found:
            found[article] = status_of(out)
    return found


@dataclass
class Agreement:
    """How often the streaming and offline verdicts agree, and where they do not."""

    compared: int = 0
    agreed: int = 0
    disagreements: list[dict[str, str]] = field(default_factory=list)
    matrix: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        """Return the share of compared articles with the same status (None when none compared)."""
        return round(self.agreed / self.compared, 4) if self.compared else None

    def to_json(self) -> dict[str, Any]:
        """Return the rate, counts, the ``stream->offline`` matrix and (sampled) disagreements."""
        return {
            "compared": self.compared,
            "agreed": self.agreed,
            "rate": self.rate,
            "disagreements": len(self.disagreements),
            "matrix": dict(sorted(self.matrix.items())),
            "disagreement_examples": self.disagreements[: SAMPLE * 4],
        }


def agreement(
    stream: Mapping[str, str],
    offline: Mapping[str, str],
    kinds: Mapping[str, str] | None = None,
) -> Agreement:
    """Compare per article id the streaming and offline statuses (``missing`` when one side lacks it).

    ``kinds`` maps a raw id to what the generator made it (``unique``, ``exact``, ``near``); it is
    added to each disagreement. Differences are expected where arrival order under concurrency
    decides which article came first: reported, not judged.
    """
    result = Agreement()
    matrix: Counter[str] = Counter()
    sent = set(kinds or {})
    for article in sorted(set(stream) | set(offline)):
        mine, theirs = stream.get(article, MISSING), offline.get(article, MISSING)
        result.compared += 1
        matrix[f"{mine}->{theirs}"] += 1
        if mine == theirs:
            result.agreed += 1
            continue
        entry = {"article_id": article, "stream": mine, "offline": theirs}
        parent = parent_of(article, sent) if kinds else None
        if kinds and parent is not None:
            entry["generated_as"] = kinds[parent]
        result.disagreements.append(entry)
    result.matrix = dict(matrix)
    return result


def by_kind(
    stream: Mapping[str, str], kinds: Mapping[str, str], sent: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Return, per generated kind (unique/exact/near/story), the streaming statuses its articles got."""
    sent_set = set(sent)
    table: dict[str, Counter[str]] = {}
    for article, status in stream.items():
        parent = parent_of(article, sent_set)
        if parent is None:
            continue
        table.setdefault(kinds.get(parent, "?"), Counter())[status] += 1
    return {kind: dict(sorted(c.items())) for kind, c in sorted(table.items())}
