"""Expiry of the gather hop's pending entries: an article whose partial verdicts never all arrive.

An entry ``<article id>`` holds the small things that change with every partial verdict (when it
was opened, the partitions to wait for, the partials so far); the article itself is written once,
under ``a:<article id>`` (``article_key``), and its signature under ``s:<article id>``, so a partial
verdict does not rewrite them into the changelog. Entries written before that split carry the
article inline and are still read.

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
ARTICLE_PREFIX = "a:"
SIGNATURE_PREFIX = "s:"


def article_key(article_id: str) -> str:
    """The key of an article awaiting its verdicts (written once, beside its entry)."""
    return f"{ARTICLE_PREFIX}{article_id}"


def signature_key(article_id: str) -> str:
    """The key of an awaiting article's signature (the verify and commit messages carry it)."""
    return f"{SIGNATURE_PREFIX}{article_id}"


def close(pending: MutableMapping[str, Any], article_id: str, entry: dict[str, Any]) -> Any:
    """Remove an article's entry, article and signature; return the article (None if never seen)."""
    pending.pop(article_id, None)
    pending.pop(signature_key(article_id), None)
    return pop_article(pending, article_id, entry)


def pop_article(pending: MutableMapping[str, Any], article_id: str, entry: dict[str, Any]) -> Any:
    """Remove and return the article of an entry (inline in older entries), None if never seen."""
    stored = pending.pop(article_key(article_id), None)
    return entry.get("article", stored)


def expire(
    pending: MutableMapping[str, Any], now: datetime, ttl_s: float
) -> list[tuple[str, dict[str, Any]]]:
    """Remove and return the entries opened more than ``ttl_s`` ago (checked once a minute).

    A returned entry carries its article under ``"article"`` when the gather had seen it.
    """
    now_s = now.timestamp()
    last = pending.get(SWEPT)
    if last is not None and now_s - float(last) < SWEEP_EVERY_S:
        return []
    pending[SWEPT] = now_s
    out: list[tuple[str, dict[str, Any]]] = []
    for key in [key for key in pending if not key.startswith(("meta:", ARTICLE_PREFIX, SIGNATURE_PREFIX))]:
        entry = pending.get(key)
        if isinstance(entry, dict) and float(entry.get("since", now_s)) < now_s - ttl_s:
            article = close(pending, key, entry)
            out.append((key, entry if article is None else {**entry, "article": article}))
    return out
