"""Event models for every topic: the consumer contract, versioned by ``schema_version``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Model(BaseModel):
    """Base for all event models: tolerant readers (unknown fields ignored), immutable instances."""

    model_config = ConfigDict(extra="ignore", frozen=True, json_schema_serialization_defaults_required=True)


class Source(_Model):
    """Where an article came from: file or URI, record id inside it, part number after splitting."""

    uri: str = Field(description="File name (relative to the replay root) or URI of the payload.")
    record_id: str | None = Field(default=None, description="Id of the record inside a .jsonl file.")
    part: int = Field(default=1, ge=1, description="Part number when a payload held several articles.")
    parts: int = Field(default=1, ge=1, description="How many parts the payload was split into.")
    url: str | None = Field(default=None, description="The article's URL, when the record gives one.")
    outlet: str | None = Field(default=None, description="The publisher or feed name, when given.")
    language: str | None = Field(
        default=None, description="The language the record declares (the tagger's detection is `language`)."
    )
    crawled: datetime | None = Field(
        default=None, description="When a crawler captured the page (WARC-Date of a WARC record), UTC."
    )


class Timestamps(_Model):
    """When the article entered the pipeline and when each stage handled it (UTC)."""

    ingested: datetime
    cleaned: datetime | None = None
    tagged: datetime | None = None
    deduped: datetime | None = None


class RawArticle(_Model):
    """A payload as ingested: ``articles.raw.v1``."""

    schema_version: Literal[1] = 1
    article_id: str = Field(min_length=1, description="Unique per ingestion; the message key.")
    source: Source
    content_type: Literal["text/plain", "text/html", "application/octet-stream"] = "text/plain"
    encoding: Literal["utf-8", "base64"] = Field(
        default="utf-8",
        description="utf-8: `text` is the payload; base64: the payload was not valid UTF-8.",
    )
    text: str
    title: str | None = Field(
        default=None, description="The title the record gives; it wins over a title guessed from the text."
    )
    published: datetime | None = Field(
        default=None, description="The published time the record gives; it wins over dates found in the text."
    )
    timestamps: Timestamps


class Removal(_Model):
    """One piece of text the cleaner cut, kept so consumers can audit it."""

    kind: str = Field(description="boilerplate, repeated_paragraph, caption, learned_boilerplate, ...")
    text: str


class CleanArticle(_Model):
    """A cleaned article: ``articles.clean.v1``."""

    schema_version: Literal[1] = 1
    article_id: str = Field(min_length=1)
    parent_id: str = Field(description="article_id of the raw payload this article came from.")
    source: Source
    title: str | None = Field(
        default=None,
        description="The record's title when it gave one (single-part payloads), else the headline.",
    )
    dateline: str | None = Field(default=None, description="Dateline city, e.g. MOSCOW.")
    published: datetime | None = Field(
        default=None,
        description="Published time: the record's, else the HTML page's own date, else a date in the text.",
    )
    lead: list[str] = Field(default_factory=list, description="Standfirst bullets.")
    text: str = Field(min_length=1, description="Cleaned body; paragraphs separated by a blank line.")
    removed: list[Removal] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list, description="Quality flags, e.g. mojibake_repaired.")
    timestamps: Timestamps


class Language(_Model):
    """Detected language: ISO 639-1 code and confidence in [0, 1]."""

    code: str
    confidence: float = Field(ge=0.0, le=1.0)


class Entity(_Model):
    """A linked entity: canonical id (Wikidata QID when known), name, type, surface forms."""

    id: str = Field(description="Canonical id: a Wikidata QID, or `unlinked:<name>`.")
    name: str
    type: Literal["person", "organization", "place", "other"]
    surface_forms: list[str] = Field(default_factory=list)
    count: int = Field(default=1, ge=1)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code, where one applies.")


class Topic(_Model):
    """A topic of the taxonomy with a score in [0, 1]."""

    id: str
    label: str
    score: float = Field(ge=0.0, le=1.0)


class Keyword(_Model):
    """A key phrase with a relevance score (higher is more relevant)."""

    text: str
    score: float


class TaggedArticle(CleanArticle):
    """A cleaned article with tags: ``articles.tagged.v1``."""

    language: Language | None = None
    entities: list[Entity] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2 codes.")
    topics: list[Topic] = Field(default_factory=list)
    keywords: list[Keyword] = Field(default_factory=list)
    embedding: list[float] | None = Field(default=None, description="Multilingual sentence embedding.")


DuplicateStatus = Literal["unique", "exact", "near", "same_story"]


class Duplicate(_Model):
    """The deduper's verdict: the kind of duplicate and the first-seen article it duplicates."""

    status: DuplicateStatus
    of: str | None = Field(default=None, description="article_id of the first-seen article.")
    similarity: float | None = Field(default=None, ge=0.0, le=1.0)


class EnrichedArticle(TaggedArticle):
    """A cleaned, tagged, deduplicated article: ``articles.enriched.v1`` and ``articles.duplicates.v1``."""

    duplicate: Duplicate
    story_id: str = Field(description="Shared by every article of one story: its first article's id.")
    fingerprint: str = Field(
        description="sha256 of the normalised cleaned text (title first when the body has under 20 words)."
    )


class DeadLetter(_Model):
    """A message a stage could not process, with the reason and its provenance: ``articles.dlq.v1``."""

    schema_version: Literal[1] = 1
    stage: str
    reason: str = Field(description="Machine-readable reason code, e.g. invalid_json, empty_text.")
    error: str = Field(description="Human-readable explanation.")
    article_id: str | None = None
    source: Source | None = None
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    payload: str = Field(description="The original message value (UTF-8 text or base64), truncated.")
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    payload_truncated: bool = False
    at: datetime
