"""Who published an article: its outlet's name, else its URL's host (shared by the cleaner and deduper)."""

from __future__ import annotations

from urllib.parse import urlsplit

from services.core.models import Source


def url_host(value: str | None) -> str | None:
    """The host of an http(s) URL, lower-cased, without ``www.``; None for anything else."""
    if not value or not value.lower().startswith(("http://", "https://")):
        return None
    try:
        host = (urlsplit(value.strip()).hostname or "").removeprefix("www.")
    except ValueError:  # a malformed URL ("http://[::1") names no host
        return None
    return host or None


def outlet_name(outlet: str | None) -> str | None:
    """The outlet a record names, case-folded with its spaces collapsed; None when it names none."""
    name = " ".join((outlet or "").casefold().split())
    return name or None


def publisher(source: Source) -> str | None:
    """The outlet the record names, else its URL's host; None when neither is known."""
    return outlet_name(source.outlet) or url_host(source.url)
