"""Learned boilerplate: lines that recur across many distinct articles of one source within a time window.

Evidence is counted per source (``source_key``: the outlet, else the URL's host, else the file's
folder), because chrome belongs to a site. The raw topic is keyed by the same ``source_key``
(the replay producer does it), so all of a source's articles land on one partition and the
evidence for a line lives in one task's table: cleaning never depends on partition assignment.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, MutableMapping
from datetime import datetime
from pathlib import PurePosixPath

from services.core.models import Source
from services.core.sources import outlet_name, url_host

# storage value: {article_key: epoch seconds last seen}; JSON-serialisable, reassigned on every
# change (never mutated in place) so that a faust Table records each update in its changelog.
Sightings = dict[str, float]
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = frozenset('.!?"”’»“')
META = "meta:"
PRUNED = "meta:pruned"


def source_key(source: Source) -> str:
    """The source whose boilerplate an article teaches, and the raw topic's record key.

    ``outlet:<name>`` when the record names its outlet, else ``host:<host>`` of its URL (or of a
    URL ``uri``), else ``path:<folder>`` of its file (top-level files share ``path:``).
    """
    name = outlet_name(source.outlet)
    if name is not None:
        return "outlet:" + name
    for candidate in (source.url, source.uri):
        host = url_host(candidate)
        if host is not None:
            return f"host:{host}"
    parent = PurePosixPath(source.uri).parent.as_posix()
    return "path:" + ("" if parent == "." else parent)


def line_key(line: str, source: str = "") -> str:
    """Storage key of a line of one source: hash of the source and the case-folded, digit-masked,
    whitespace-collapsed line."""
    norm = _DIGITS.sub("0", " ".join(line.casefold().split()))
    scoped = f"{source}\x00{norm}" if source else norm
    return hashlib.blake2b(scoped.encode("utf-8"), digest_size=10).hexdigest()


def article_key(uri: str, record_id: str | None) -> str:
    """Identity of an article for counting: its source, so replays of one payload count once."""
    raw = f"{uri}\x00{record_id or ''}"
    return hashlib.blake2b(raw.encode("utf-8"), digest_size=8).hexdigest()


class BoilerplateMemory:
    """Counts, per source and line hash, the distinct articles carrying the line in a sliding window."""

    def __init__(
        self,
        storage: MutableMapping[str, Sightings],
        *,
        threshold: int = 10,
        window_seconds: float = 86_400.0,
        min_line_chars: int = 4,
        max_line_chars: int = 200,
        prose_min_words: int = 8,
    ) -> None:
        """Wrap an injected mapping (a faust Table in production, a dict in tests)."""
        if threshold < 2:
            raise ValueError("threshold must be at least 2 distinct articles")
        self.storage = storage
        self.threshold = threshold
        self.window_seconds = window_seconds
        self.min_line_chars = min_line_chars
        self.max_line_chars = max_line_chars
        self.prose_min_words = prose_min_words

    def eligible(self, line: str) -> bool:
        """Only short, non-prose lines are tracked: sentences are content (syndication: the deduper)."""
        if not self.min_line_chars <= len(line) <= self.max_line_chars:
            return False
        return not (line[-1] in _SENTENCE_END and len(line.split()) >= self.prose_min_words)

    def _live(self, sightings: Sightings, now_ts: float) -> Sightings:
        """The sightings inside the window, newest kept when over the size cap."""
        horizon = now_ts - self.window_seconds
        live = {k: t for k, t in sightings.items() if t >= horizon}
        cap = self.threshold * 2
        if len(live) > cap:
            live = dict(sorted(live.items(), key=lambda kv: kv[1])[-cap:])
        return live

    def observe(self, lines: Iterable[str], article: str, now: datetime, source: str = "") -> set[str]:
        """Record that `article` of `source` carried these lines; return the keys learned by now."""
        now_ts = now.timestamp()
        learned: set[str] = set()
        for key in {line_key(line, source) for line in set(lines) if self.eligible(line)}:
            sightings = self._live(self.storage.get(key) or {}, now_ts)
            if article not in sightings or sightings[article] != now_ts:
                sightings[article] = now_ts
                self.storage[key] = sightings
            if len(sightings) >= self.threshold:
                learned.add(key)
        return learned

    def is_learned(self, line: str, now: datetime, source: str = "") -> bool:
        """True when at least `threshold` distinct articles of `source` carried the line in the window."""
        if not self.eligible(line):
            return False
        sightings = self.storage.get(line_key(line, source)) or {}
        return len(self._live(sightings, now.timestamp())) >= self.threshold

    def prune(self, now: datetime) -> int:
        """Drop keys with no sighting inside the window (call periodically); returns how many."""
        now_ts = now.timestamp()
        stale = [
            k
            for k, v in list(self.storage.items())
            if not k.startswith(META) and not self._live(v or {}, now_ts)
        ]
        for key in stale:
            del self.storage[key]
        return len(stale)

    def maybe_prune(self, now: datetime, every_s: float = 3600.0) -> int:
        """``prune`` at most once per ``every_s`` (the time of the last one is kept in the storage)."""
        last = self.storage.get(PRUNED)
        if last is not None and now.timestamp() - float(last.get("at", 0.0)) < every_s:
            return 0
        self.storage[PRUNED] = {"at": now.timestamp()}
        return self.prune(now)
