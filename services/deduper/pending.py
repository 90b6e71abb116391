"""Expiry of the gather hop's pending entries: an article whose partial verdicts never all arrive.

Each entry records when it was opened (processing time). At most once a minute per task the
gather scans its pending entries — few: only articles in flight — and hands back those older
than the TTL to be dead-lettered. Only corrupt or hostile hop messages can leave an entry
behind, so the TTL is long: a backlog must not expire articles that are merely late.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

SWEPT = "meta:pending-swept"
SWEEP_EVERY_S = 60.0


def expire(
    pending: MutableMapping[str, Any], now: datetime, ttl_s: float
) -> list[tuple[str, dict[str, Any]]]:
    """Remove and return the entries opened more than ``ttl_s`` ago (checked once a minute)."""
    now_s = now.timestamp()
    last = pending.get(SWEPT)
    if last is not None and now_s - float(last) < SWEEP_EVERY_S:
        return []
    pending[SWEPT] = now_s
    out: list[tuple[str, dict[str, Any]]] = []
    for key in [key for key in pending if not key.startswith("meta:")]:
        entry = pending.get(key)
        if isinstance(entry, dict) and float(entry.get("since", now_s)) < now_s - ttl_s:
            del pending[key]
            out.append((key, entry))
    return out
