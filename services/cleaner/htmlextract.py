"""HTML sniffing and article-body extraction with trafilatura."""

from __future__ import annotations

import html
import re

import trafilatura

_DOC_START = re.compile(
    r"\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,500}?-->\s*)?<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(
    r"</?(?:p|div|br|span|a|article|section|h[1-6]|li|ul|ol|table|script|style|nav|footer|header|main|figure|img)\b[^<>]{0,300}>",
    re.IGNORECASE,
)
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


def extract_html(text: str) -> str | None:
    """Extract the article body as plain text, one paragraph a line, headline (<h1>) first."""
    body = trafilatura.extract(
        text,
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
