"""Topic scoring: an English/German term lexicon per IPTC Media Topic, matched with Aho–Corasick."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import ahocorasick  # type: ignore[import-not-found]

from services.core.models import Entity, Topic


@dataclass(frozen=True)
class TopicDef:
    """One taxonomy node: IPTC id, label and optional parent id."""

    id: str
    label: str
    parent: str | None


@dataclass(frozen=True)
class _Term:
    topic: int
    left_open: bool  # "*x": the word may start before the term (German compounds)
    right_open: bool  # "x*": the word may continue after the term


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class TopicScorer:
    """Multilabel topic scores in [0, 1] from term density and entity hints."""

    def __init__(self, *, scale: float = 2.0, min_tokens: int = 60, entity_weight: float = 0.5) -> None:
        data = json.loads(
            resources.files("services.tagger").joinpath("data", "topics.json").read_text(encoding="utf-8")
        )
        self.topics: list[TopicDef] = []
        self._weights: list[float] = []
        self._index: dict[str, int] = {}
        terms: dict[str, list[_Term]] = defaultdict(list)
        for i, item in enumerate(data["topics"]):
            self.topics.append(TopicDef(item["id"], item["label"], item.get("parent")))
            self._index[item["id"]] = i
            weight = float(item.get("weight", 1.0))
            self._weights.append(weight)
            for words in item["terms"].values():
                for raw in words:
                    core = raw.strip("*").lower()
                    term = _Term(i, raw.startswith("*"), raw.endswith("*"))
                    if term not in terms[core]:
                        terms[core].append(term)
        self._automaton = ahocorasick.Automaton()
        for core, entries in terms.items():
            self._automaton.add_word(core, (len(core), tuple(entries)))
        self._automaton.make_automaton()
        self._scale = scale
        self._min_tokens = min_tokens
        self._entity_weight = entity_weight

    def term_hits(self, text: str) -> dict[int, dict[str, int]]:
        """Per topic index, how often each lexicon term occurs in the (lower-cased) text."""
        low = " ".join(text.lower().split())
        hits: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for end_index, (length, entries) in self._automaton.iter(low):
            start, end = end_index - length + 1, end_index + 1
            left_ok = start == 0 or not _is_word_char(low[start - 1])
            right_ok = end == len(low) or not _is_word_char(low[end])
            for term in entries:
                if (term.left_open or left_ok) and (term.right_open or right_ok):
                    hits[term.topic][low[start:end]] += 1
        return hits

    def score(
        self,
        text: str,
        entities: Iterable[Entity] = (),
        hints: dict[str, tuple[str, ...]] | None = None,
    ) -> list[Topic]:
        """All topics with a non-zero score, best first; a parent scores at least its children."""
        raw: dict[int, float] = defaultdict(float)
        for topic, counts in self.term_hits(text).items():
            for count in counts.values():
                raw[topic] += self._weights[topic] * (1.0 + math.log(count))
        for entity in entities:
            for topic_id in (hints or {}).get(entity.id, ()):
                if topic_id in self._index:
                    raw[self._index[topic_id]] += self._entity_weight * min(entity.count, 3)
        tokens = max(len(text.split()), self._min_tokens)
        scores = {i: 1.0 - math.exp(-(value * 100.0 / tokens) / self._scale) for i, value in raw.items()}
        for i, value in list(scores.items()):
            parent = self.topics[i].parent
            if parent in self._index:
                p = self._index[parent]
                scores[p] = max(scores.get(p, 0.0), value)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [
            Topic(id=self.topics[i].id, label=self.topics[i].label, score=round(min(s, 1.0), 4))
            for i, s in ranked
            if s > 0.0
        ]
