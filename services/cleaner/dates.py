"""Small language-aware date parser for published/updated stamps (months in data/dates.json)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

DATES_PATH = Path(__file__).parent / "data" / "dates.json"


@dataclass(frozen=True)
class DateVocabulary:
    """Month names (all languages merged), timezone offsets and the compiled date patterns."""

    months: dict[str, int]
    timezones: dict[str, float]
    named: re.Pattern[str]
    named_us: re.Pattern[str]
    numeric: re.Pattern[str]
    iso: re.Pattern[str]

    @property
    def month_alternation(self) -> str:
        """Regex alternation of every month name, longest first."""
        return "|".join(re.escape(m) for m in sorted(self.months, key=len, reverse=True))


_TIME = (
    r"(?:,? (?:at |um |gegen )?(?P<hh>\d{1,2})[:.](?P<mi>\d{2})"
    r"(?: ?(?P<ampm>am|pm|a\.m\.|p\.m\.))?(?: ?(?:uhr|h))?(?: ?\(?(?P<tz>[a-z]{1,5})\)?)?)?"
)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = DATES_PATH) -> DateVocabulary:
    """Load month names and timezones and compile the date patterns (cached per path)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    months: dict[str, int] = {}
    for table in data["months"].values():
        months.update({str(k): int(v) for k, v in table.items()})
    tzs = {str(k): float(v) for k, v in data["timezones"].items()}
    alt = "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True))
    flags = re.IGNORECASE
    return DateVocabulary(
        months=months,
        timezones=tzs,
        named=re.compile(rf"\b(?P<d>\d{{1,2}})\.? ?(?P<m>{alt})\.?,? (?P<y>\d{{4}})\b{_TIME}", flags),
        named_us=re.compile(
            rf"\b(?P<m>{alt})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>\d{{4}})\b{_TIME}", flags
        ),
        numeric=re.compile(rf"\b(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}})\b{_TIME}", flags),
        iso=re.compile(
            r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
            r"(?:[T ](?P<hh>\d{2}):(?P<mi>\d{2})(?::\d{2})?(?P<tz>Z)?)?",
            flags,
        ),
    )


def parse_date(text: str, vocabulary: DateVocabulary | None = None) -> datetime | None:
    """First date (with optional time and zone) in a short text, as an aware UTC datetime."""
    vocab = vocabulary or load_vocabulary()
    snippet = text[:200]
    for pattern in (vocab.named, vocab.named_us, vocab.iso, vocab.numeric):
        match = pattern.search(snippet)
        if match is None:
            continue
        parsed = _build(match, vocab)
        if parsed is not None:
            return parsed
    return None


def _build(match: re.Match[str], vocab: DateVocabulary) -> datetime | None:
    """Turn a date match into a UTC datetime, or None when the fields are out of range."""
    groups = match.groupdict()
    month_text = groups["m"].lower()
    month = int(month_text) if month_text.isdigit() else vocab.months.get(month_text.rstrip("."), 0)
    hour = int(groups.get("hh") or 0)
    minute = int(groups.get("mi") or 0)
    ampm = (groups.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    offset = vocab.timezones.get((groups.get("tz") or "").lower(), 0.0)
    try:
        local = datetime(int(groups["y"]), month, int(groups["d"]), hour, minute)
    except ValueError:
        return None
    if not 1900 <= local.year <= 2200:
        return None
    return (local - timedelta(hours=offset)).replace(tzinfo=UTC)
