"""HTML sniffing and article-body extraction with trafilatura."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import trafilatura

_DOC_START = re.compile(
    r"\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,500}?-->\s*)?<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(
    r"</?(?:p|div|br|span|a|article|section|h[1-6]|li|ul|ol|table|script|style|nav|footer|header|main|figure|img)\b[^<>]{0,300}>",
    re.IGNORECASE,
)
_OPEN_CLOSE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]{0,30})\b[^<>]{0,1000}?(/?)>")
# Elements that never nest (void) or that the parser closes by itself: not counted in the depth.
_FLAT = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source"),
        *("track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option"),
        *("colgroup", "rp", "rt"),
    }
)
MAX_DEPTH = 200  # libxml2 drops whatever lies deeper than 255 elements
_H1 = re.compile(r"<h1\b[^<>]{0,300}>(.{1,400}?)</h1>", re.IGNORECASE | re.DOTALL)
_ANY_TAG = re.compile(r"<[^<>]{0,300}>")


def looks_like_html(text: str, content_type: str) -> bool:
    """True for HTML: declared text/html, starting like a document, or dense with tags."""
    if content_type == "text/html":
        return True
    head = text[:65536]
    if _DOC_START.match(head[:2048]):
        return True
    return any(n >= 4 for n, _ in enumerate(_TAG.finditer(head)))


def flatten_deep(text: str, max_depth: int = MAX_DEPTH) -> str:
    """Drop the tags of elements nested deeper than ``max_depth`` (their text stays); one linear scan.

    The HTML parser under trafilatura silently loses everything below depth 255, so a page nested
    5,000 divs deep would lose its article. Depth is counted on open/close tags (void and
    self-closing elements not counted); a page never that deep is returned unchanged.
    """
    depth = 0
    drop: list[tuple[int, int]] = []
    for tag in _OPEN_CLOSE.finditer(text):
        closing, name, selfclosing = tag.group(1), tag.group(2).lower(), tag.group(3)
        if selfclosing or name in _FLAT:
            continue
        if closing:
            if depth > max_depth:
                drop.append(tag.span())
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > max_depth:
                drop.append(tag.span())
    if not drop:
        return text
    out, last = [], 0
    for start, end in drop:
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    return "".join(out)


def extract_html(text: str) -> str | None:
    """Extract the article body as plain text, one paragraph a line, headline (<h1>) first."""
    body = trafilatura.extract(
        flatten_deep(text),
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=False,
        fast=False,
    )
    if not body or not body.strip():
        return None
    h1 = _H1.search(text[:200_000])
    if h1 is not None:
        headline = " ".join(html.unescape(_ANY_TAG.sub(" ", h1.group(1))).split())
        first = body.lstrip().split("\n", 1)[0].strip()
        if headline and headline != first and headline not in body[: len(headline) + 200]:
            body = f"{headline}\n{body}"
    return body


_JSONLD = re.compile(
    r"<script[^<>]{0,200}application/ld\+json[^<>]{0,200}>(.{1,200000}?)</script>", re.IGNORECASE | re.DOTALL
)
_META = re.compile(r"<meta\b[^<>]{0,600}>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TIME = re.compile(r"<time\b[^<>]{0,300}\bdatetime\s*=\s*[\"']([^\"']{4,40})[\"']", re.IGNORECASE)
_META_NAMES = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "date",
        "dc.date.issued",
        "dc.date",
        "sailthru.date",
    }
)


def _iso(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _jsonld_dates(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str):
            yield value
        for child in data.values():
            yield from _jsonld_dates(child)
    elif isinstance(data, list):
        for child in data:
            yield from _jsonld_dates(child)


def html_published(text: str) -> datetime | None:
    """The page's published date: JSON-LD ``datePublished``, then meta tags, then the first ``<time>``."""
    head = text[:500_000]
    for block in _JSONLD.finditer(head):
        try:
            data = json.loads(block.group(1))
        except ValueError:
            continue
        for value in _jsonld_dates(data):
            if (when := _iso(value)) is not None:
                return when
    for tag in _META.finditer(head):
        attrs = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTR.finditer(tag.group(0))}
        name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if name in _META_NAMES and (when := _iso(attrs.get("content", ""))) is not None:
            return when
    found = _TIME.search(head)
    return _iso(found.group(1)) if found else None
