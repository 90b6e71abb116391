"""Data-driven cleaner cases: load an expected JSON file, run clean() on its input, compare."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.cleaner.logic import CleanerConfig, clean
from services.core.models import CleanArticle, RawArticle, Source, Timestamps
from services.core.outcomes import Rejection

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data" / "cleaner"
EXPECTED = DATA / "expected"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    """One expected-result file and the raw article it describes."""

    name: str
    spec: dict[str, Any]

    @property
    def raw(self) -> RawArticle:
        """The RawArticle built from the case's input file."""
        path = REPO / self.spec["input"]
        encoding = self.spec.get("encoding", "base64" if path.suffix == ".b64" else "utf-8")
        return RawArticle(
            article_id=self.name,
            source=Source(uri=self.spec["input"]),
            content_type=self.spec.get("content_type", "text/plain"),
            encoding=encoding,
            text=path.read_bytes().decode("utf-8"),
            title=self.spec.get("title"),  # the record's own title (a feed's), when the case gives one
            timestamps=Timestamps(ingested=NOW),
        )

    @property
    def config(self) -> CleanerConfig:
        """The CleanerConfig with the case's overrides."""
        return CleanerConfig(**self.spec.get("config", {}))

    def run(self) -> list[CleanArticle] | Rejection:
        """Clean the case's input."""
        return clean(self.raw, now=NOW, config=self.config)


def load_cases() -> list[Case]:
    """Every case under tests/data/cleaner/expected, sorted by name."""
    return [Case(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(EXPECTED.glob("*.json"))]


def paragraphs(article: CleanArticle) -> list[str]:
    """The article's body paragraphs."""
    return article.text.split("\n\n")


def check_article(article: CleanArticle, want: dict[str, Any]) -> None:
    """Assert every expectation present in `want` against one article."""
    for key in ("title", "dateline", "lead"):
        if key in want:
            assert getattr(article, key) == want[key], key
    if "published" in want:
        got = article.published.isoformat() if article.published else None
        assert got == want["published"]
    if "paragraphs" in want:
        assert len(paragraphs(article)) == want["paragraphs"]
    if "text" in want:
        assert article.text == want["text"]
    for prefix_key, index in (("first_paragraph_starts", 0), ("last_paragraph_starts", -1)):
        if prefix_key in want:
            assert paragraphs(article)[index].startswith(want[prefix_key])
    for needle in want.get("contains", []):
        assert needle in article.text, needle
    for needle in want.get("not_contains", []):
        assert needle not in article.text, needle
    if "removed" in want:
        assert dict(Counter(r.kind for r in article.removed)) == want["removed"]
    for kind, text in want.get("removed_include", []):
        assert any(r.kind == kind and r.text == text for r in article.removed), (kind, text)
    if "flags" in want:
        assert sorted(article.flags) == sorted(want["flags"])
