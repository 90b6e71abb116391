"""Boilerplate rules loaded from data/boilerplate.json and a line classifier built on them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.cleaner.dates import DATES_PATH, DateVocabulary, load_vocabulary, parse_date

BOILERPLATE_PATH = Path(__file__).parent / "data" / "boilerplate.json"
_TERMINAL = ".!?…;,:"
_CONNECTORS = frozenset(
    {
        "and",
        "und",
        "von",
        "van",
        "de",
        "der",
        "den",
        "du",
        "la",
        "le",
        "al",
        "bin",
        "&",
        "|",
        "-",
        "–",
    }
)
_NAV_SPLIT = re.compile(r"[\s|,·•/]+")


@dataclass(frozen=True)
class Rule:
    """One compiled line rule: the removal kind it yields and its guards."""

    kind: str
    pattern: re.Pattern[str]
    max_words: int | None = None
    require_digit: bool = False
    has_date: bool = False
    guard: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The classification of one line: a removal kind and, for timestamps, the parsed date."""

    kind: str
    date: datetime | None = None


@dataclass(frozen=True)
class RuleSet:
    """Every rule of every language, block starters and navigation words."""

    rules: tuple[Rule, ...]
    block_starts: tuple[re.Pattern[str], ...]
    nav_tokens: frozenset[str]
    max_line_chars: int
    dates: DateVocabulary
    any_rule: re.Pattern[str]  # the rules' patterns as one alternation: no match, no rule applies
    any_block: re.Pattern[str]  # the same for the block starters
    notice_opens: re.Pattern[str] = re.compile(r"(?!)")  # how consent and ad-blocker notices open
    notice_terms: re.Pattern[str] = re.compile(r"(?!)")  # their vocabulary
    notice_max_chars: int = 0
    notice_min_terms: int = 3
    inline: re.Pattern[str] = re.compile(r"(?!)")  # widgets glued into a line of text


def _compile(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """Compile a rule pattern with its case flag."""
    return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)


def _alternation(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that fully matches a line iff one of ``patterns`` does (each keeps its case flag).

    A single regex call instead of one per rule: the prefilter of ``classify_line``/``starts_block``.
    """
    if not patterns:
        return re.compile(r"(?!)")
    parts = []
    for pattern in patterns:
        body = _GROUP_NAME.sub("(?:", pattern.pattern)
        parts.append(f"(?i:{body})" if pattern.flags & re.IGNORECASE else f"(?:{body})")
    return re.compile("|".join(parts))


_GROUP_NAME = re.compile(r"\(\?P<\w+>")


@lru_cache(maxsize=4)
def load_rules(path: Path = BOILERPLATE_PATH, dates_path: Path = DATES_PATH) -> RuleSet:
    """Load and compile the boilerplate data file (cached per path)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    dates = load_vocabulary(dates_path)
    agencies = "|".join(re.escape(a) for a in sorted(data["agencies"], key=len, reverse=True))
    rules: list[Rule] = []
    starts: list[re.Pattern[str]] = []
    nav: set[str] = set()
    opens: list[str] = []
    terms: list[str] = []
    inline: list[str] = []
    for lang in data["languages"].values():
        for spec in lang["rules"]:
            source = spec["re"].replace("{agencies}", agencies).replace("{months}", dates.month_alternation)
            rules.append(
                Rule(
                    kind=spec["kind"],
                    pattern=_compile(source, bool(spec.get("case", False))),
                    max_words=spec.get("max_words"),
                    require_digit=bool(spec.get("require_digit", False)),
                    has_date=bool(spec.get("date", False)),
                    guard=spec.get("guard"),
                )
            )
        starts.extend(_compile(s, False) for s in lang.get("block_starts", []))
        nav.update(t.lower() for t in lang.get("nav_tokens", []))
        opens.extend(lang.get("notice_opens", []))
        terms.extend([lang["notice_terms"]] if lang.get("notice_terms") else [])
        for source in lang.get("inline", []):
            inline.append(source)  # cut out by split_inline, then removed like any line a rule matches
            rules.append(Rule(kind="boilerplate", pattern=_compile(source, False)))
    notices = data.get("notices", {})
    return RuleSet(
        tuple(rules),
        tuple(starts),
        frozenset(nav),
        int(data["max_line_chars"]),
        dates,
        _alternation([r.pattern for r in rules]),
        _alternation(starts),
        _alternation([_compile(o, False) for o in opens]),
        _alternation([_compile(t, False) for t in terms]),
        int(notices.get("max_chars", 0)),
        int(notices.get("min_terms", 3)),
        _alternation([_compile(i, False) for i in inline]),
    )


def split_inline(lines: list[str], ruleset: RuleSet) -> list[str]:
    """Cut the widgets glued into lines (``inline`` rules) out onto lines of their own."""
    out: list[str] = []
    for line in lines:
        rest = line
        match = ruleset.inline.search(rest)
        if match is None:
            out.append(line)
            continue
        while match is not None:
            out.extend(p for p in (rest[: match.start()].strip(), match.group()) if p)
            rest = rest[match.end() :]
            match = ruleset.inline.search(rest)
        if rest.strip():
            out.append(rest.strip())
    return out


def is_notice(line: str, ruleset: RuleSet) -> bool:
    """A consent or ad-blocker notice: it opens like one and names enough of their vocabulary.

    Such notices run to several hundred characters, beyond ``max_line_chars``; a short line (at most
    200 characters) that opens like one needs one term ("We use cookies.", "We noticed you're
    blocking ads!"), a longer one ``notice_min_terms`` distinct terms.
    """
    if len(line) > ruleset.notice_max_chars or ruleset.notice_opens.match(line) is None:
        return False
    found = {m.lower() for m in ruleset.notice_terms.findall(line)}
    return len(found) >= (1 if len(line) <= 200 else ruleset.notice_min_terms)


def _guard_ok(guard: str | None, line: str, words: list[str]) -> bool:
    """Extra checks a regex cannot express cheaply."""
    if guard is None:
        return True
    if guard == "colon_or_short":
        head = line[:30]
        return len(words) <= 3 or any(c in head for c in ":|»›>")
    if guard == "capitalised_name":
        rest = [w for w in words[1:] if w.lower() not in _CONNECTORS]
        return bool(rest) and all(w[:1].isupper() or not w[:1].isalpha() for w in rest)
    return True


def classify_line(line: str, rules: RuleSet | None = None) -> Verdict | None:
    """Return the boilerplate verdict for one stripped line, or None when it is content."""
    ruleset = rules or load_rules()
    if line and is_notice(line, ruleset):
        return Verdict("boilerplate")
    if not line or len(line) > ruleset.max_line_chars:
        return None
    words = line.split()
    tokens = [t for t in _NAV_SPLIT.split(line.lower()) if t]
    if tokens and len(tokens) <= 12 and all(t in ruleset.nav_tokens for t in tokens):
        return Verdict("boilerplate")
    if ruleset.any_rule.fullmatch(line) is None:
        return None
    has_digit = any(c.isdigit() for c in line)
    for rule in ruleset.rules:
        if rule.max_words is not None and len(words) > rule.max_words:
            continue
        if rule.require_digit and not has_digit:
            continue
        match = rule.pattern.fullmatch(line)
        if match is None or not _guard_ok(rule.guard, line, words):
            continue
        if rule.has_date:
            date = parse_date(match.group("date"), ruleset.dates)
            if date is None and len(words) > 6:
                continue
            return Verdict(rule.kind, date)
        return Verdict(rule.kind)
    return None


def starts_block(line: str, rules: RuleSet | None = None) -> bool:
    """True when the line opens a related-links / most-read block."""
    ruleset = rules or load_rules()
    if len(line) > 80:
        return False
    return ruleset.any_block.fullmatch(line) is not None


def is_headline_shaped(line: str) -> bool:
    """A short line without closing punctuation that could be a headline."""
    if not 12 <= len(line) <= 200 or line[-1] in _TERMINAL:
        return False
    words = line.split()
    if not 2 <= len(words) <= 30 or line[0] in "•▪►*-–—·":
        return False
    return line[0].isupper() or line[0].isdigit() or line[0] in "\"“„‘'«"


def is_label(line: str) -> bool:
    """A one-to-three-word line without closing punctuation ("Meldung", "Kurz notiert", "start"): a label."""
    if len(line) > 40 or line[-1] in _TERMINAL or not line[0].isalnum():
        return False
    return 1 <= len(line.split()) <= 3
