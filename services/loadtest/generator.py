"""Deterministic, seeded article variants from a small corpus (pure: no I/O, no clock).

A *unique* variant recombines the corpus articles of one language: the lead sentence of one
article, then 6-12 sentences drawn from all of them and regrouped into new paragraphs of one to
three sentences; person names and numbers are then swapped. Its text is guaranteed distinct from
every earlier unique variant of the same generator (the deduper may still call some of them near
duplicates when a language has few source sentences: seeds/ holds one German article only).
An *exact* duplicate repeats an earlier variant's text under a new source; a *near* duplicate
repeats it with one word and one number changed. A *story* duplicate is another outlet's report of
the same event: the earlier variant's lead and about half of its other sentences (names and numbers
kept), reworded, regrouped in a new order, with one or two background sentences added.
``dup_ratio`` is the share of duplicates (``exact_share`` of them exact, ``story_share`` same-story,
the rest near); ``lang_mix`` weights the language of the source articles.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["unique", "exact", "near", "story"]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NUMBER = re.compile(r"\d+")
_PARAGRAPHS = re.compile(r"\n\s*\n")
_SENTENCES = re.compile(r"(?<=[.!?…”“])\s+(?=[A-ZÄÖÜ„“\"'])")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_words("the and of to in is that for with was on said has by from as it at")),
    "de": frozenset(_words("der die und das nicht ist mit den sich auf dem des ein eine zu im von")),
}
# Person names that are swapped for others from the pool (consistently within one variant).
SWAPPABLE = frozenset(
    _words(
        "Putin Xi Jinping Lavrov Lawrow Sergei Sergej Wang Yi Vladimir Wladimir Zelensky Selenskyj "
        "Biden Scholz Macron Sun Weidong Mao Ning Javier Tarazona"
    )
)
NAME_POOL = _words(
    "Adebayo Okafor Lindqvist Moreau Takahashi Novak Petrović Haddad Kowalski Svensson Ferreira "
    "Nakamura Oyelaran Brandt Castellanos Delacroix Eriksen Fontaine Gallagher Horvath Ibáñez "
    "Janssen Kuznetsova Lehmann Mbeki Nguyen Olsen Papadopoulos Quintero Rasmussen Schäfer "
    "Tanaka Uribe Vasquez Weber Yilmaz Zimmermann"
)
NEAR_SWAPS = {"said": "stated", "says": "states", "sagte": "erklärte", "the": "this", "die": "diese"}


@dataclass(frozen=True)
class CorpusDoc:
    """One source article of the corpus: where it came from, its text, its language."""

    uri: str
    text: str
    lang: str


@dataclass(frozen=True)
class Variant:
    """One generated payload: its index, source name, text, kind and what it duplicates."""

    index: int
    uri: str
    text: str
    kind: Kind
    lang: str
    of: int | None = None


def guess_language(text: str) -> str:
    """Return 'en' or 'de' by stopword counts, or 'other' when neither language's stopwords occur."""
    words = [w.casefold() for w in _WORD.findall(text)]
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else "other"


def build_corpus(items: Iterable[tuple[str, str]]) -> list[CorpusDoc]:
    """Return the corpus docs of (uri, text) pairs with non-blank text, each with its language."""
    return [CorpusDoc(uri, text, guess_language(text)) for uri, text in items if text.strip()]


def parse_lang_mix(spec: str) -> dict[str, float]:
    """Parse 'en=0.7,de=0.3' (or 'en:70,de:30') into normalised weights; raise ValueError when bad."""
    weights: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        lang, sep, value = part.replace(":", "=").partition("=")
        if not sep or not lang.strip():
            raise ValueError(f"bad --lang-mix entry {part!r}: expected LANG=WEIGHT")
        weight = float(value)
        if weight < 0:
            raise ValueError(f"bad --lang-mix weight {weight}: must be >= 0")
        weights[lang.strip().lower()] = weight
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("--lang-mix needs at least one positive weight")
    return {lang: w / total for lang, w in weights.items()}


def paragraphs(text: str) -> list[str]:
    """Split a text into paragraphs: blank-line separated, or line separated when it has no blank line."""
    parts = [p.strip() for p in _PARAGRAPHS.split(text.strip()) if p.strip()]
    if len(parts) <= 1:
        parts = [line.strip() for line in text.splitlines() if line.strip()]
    return parts


def sentences(text: str) -> list[str]:
    """Split a text into sentences (paragraph by paragraph)."""
    return [s.strip() for p in paragraphs(text) for s in _SENTENCES.split(p) if s.strip()]


def _sentence_pool(docs: list[CorpusDoc], min_words: int = 5) -> list[str]:
    """The distinct sentences of the docs with at least ``min_words`` words (short lines are chrome)."""
    pool = dict.fromkeys(s for doc in docs for s in sentences(doc.text) if len(s.split()) >= min_words)
    return list(pool) or [doc.text.strip() for doc in docs]


def _fingerprint(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class VariantGenerator:
    """Yields variants of a corpus, deterministically for a given seed and settings."""

    def __init__(
        self,
        corpus: Iterable[CorpusDoc],
        *,
        seed: int = 0,
        dup_ratio: float = 0.0,
        exact_share: float = 0.5,
        story_share: float = 0.0,
        lang_mix: Mapping[str, float] | None = None,
        history: int = 256,
        prefix: str = "loadtest",
    ) -> None:
        docs = list(corpus)
        if not docs:
            raise ValueError("the corpus is empty")
        if not all(0.0 <= r <= 1.0 for r in (dup_ratio, exact_share, story_share)):
            raise ValueError("dup_ratio, exact_share and story_share must be within [0, 1]")
        if exact_share + story_share > 1.0:
            raise ValueError("exact_share + story_share must be at most 1")
        self.by_lang: dict[str, list[CorpusDoc]] = {}
        for doc in docs:
            self.by_lang.setdefault(doc.lang, []).append(doc)
        self.mix = dict(lang_mix) if lang_mix else None
        if self.mix:
            missing = [lang for lang, w in self.mix.items() if w > 0 and lang not in self.by_lang]
            if missing:
                raise ValueError(f"--lang-mix asks for {missing}, the corpus has {sorted(self.by_lang)}")
        self.docs = docs
        self.sentences = {lang: _sentence_pool(group) for lang, group in self.by_lang.items()}
        self.rng = random.Random(seed)
        self.seed = seed
        self.dup_ratio = dup_ratio
        self.exact_share = exact_share
        self.story_share = story_share
        self.prefix = prefix
        self.recent: deque[Variant] = deque(maxlen=max(1, history))
        self.seen: set[str] = set()
        self.index = 0

    def __iter__(self) -> Iterator[Variant]:
        """Yield variants forever."""
        while True:
            yield self.next()

    def take(self, count: int) -> list[Variant]:
        """Return the next ``count`` variants."""
        return [self.next() for _ in range(count)]

    def next(self) -> Variant:
        """Return the next variant: a duplicate with probability ``dup_ratio``, else a unique one."""
        index = self.index
        self.index += 1
        uri = f"{self.prefix}/s{self.seed}-{index:07d}.txt"
        if self.recent and self.rng.random() < self.dup_ratio:
            original = self.rng.choice(list(self.recent))
            draw = self.rng.random()
            if draw < self.exact_share:
                return Variant(index, uri, original.text, "exact", original.lang, original.index)
            if draw < self.exact_share + self.story_share:
                text = self._story(original.text, original.lang)
                return Variant(index, uri, text, "story", original.lang, original.index)
            text = self._near(original.text)
            return Variant(index, uri, text, "near", original.lang, original.index)
        variant = self._unique(index, uri)
        self.recent.append(variant)
        return variant

    def _language(self) -> str:
        if not self.mix:
            return self.rng.choice(self.docs).lang
        langs = sorted(self.mix)
        return self.rng.choices(langs, weights=[self.mix[lang] for lang in langs])[0]

    def _unique(self, index: int, uri: str) -> Variant:
        lang = self._language()
        for attempt in range(20):
            text = self._recombine(lang, extra=attempt)
            key = _fingerprint(text)
            if key not in self.seen:
                self.seen.add(key)
                return Variant(index, uri, text, "unique", lang)
        text = f"{text}\n\n{self.rng.choice(NAME_POOL)} ({index})"  # a pathological tiny corpus
        self.seen.add(_fingerprint(text))
        return Variant(index, uri, text, "unique", lang)

    def _recombine(self, lang: str, extra: int) -> str:
        """A lead sentence of one article, then sentences of all the language's articles, regrouped."""
        rng = self.rng
        lead = _SENTENCES.split(paragraphs(rng.choice(self.by_lang[lang]).text)[0])[0]
        pool = self.sentences[lang]
        chosen = rng.sample(pool, k=min(len(pool), rng.randint(6, 12) + extra))
        body: list[str] = []
        while chosen:
            size = rng.randint(1, 3)
            body.append(" ".join(chosen[:size]))
            chosen = chosen[size:]
        return self._swap("\n\n".join([lead, *body]))

    def _swap(self, text: str) -> str:
        rng = self.rng
        mapping: dict[str, str] = {}

        def name(match: re.Match[str]) -> str:
            word = match.group(0)
            if word not in SWAPPABLE or rng.random() < 0.3:
                return word
            return mapping.setdefault(word, rng.choice(NAME_POOL))

        def number(match: re.Match[str]) -> str:
            digits = len(match.group(0))
            low = 10 ** (digits - 1) if digits > 1 else 0
            return str(rng.randint(low, 10**digits - 1))

        return _NUMBER.sub(number, _WORD.sub(name, text))

    def _story(self, text: str, lang: str) -> str:
        """Another report of the same event: lead, half the other sentences, background, reworded."""
        rng = self.rng
        lead, *rest = sentences(text)
        kept = rng.sample(rest, k=max(1, len(rest) // 2)) if rest else []
        told = {lead, *rest}
        pool = [s for s in self.sentences[lang] if s not in told]
        background = rng.sample(pool, k=min(len(pool), rng.randint(1, 2)))
        body = kept + background
        rng.shuffle(body)
        paragraphs_: list[str] = []
        while body:
            size = rng.randint(1, 2)
            paragraphs_.append(" ".join(body[:size]))
            body = body[size:]
        story = "\n\n".join([lead, *paragraphs_])
        return _WORD.sub(lambda m: NEAR_SWAPS.get(m.group(0), m.group(0)), story)

    def _near(self, text: str) -> str:
        """Change one swappable word (or append one) and one number: a near duplicate."""
        rng = self.rng
        words = [m for m in _WORD.finditer(text) if m.group(0) in NEAR_SWAPS]
        if words:
            m = rng.choice(words)
            text = text[: m.start()] + NEAR_SWAPS[m.group(0)] + text[m.end() :]
        else:
            text = text.rstrip() + " " + rng.choice(NAME_POOL) + "."
        numbers = list(_NUMBER.finditer(text))
        if numbers:
            m = rng.choice(numbers)
            text = text[: m.start()] + str(int(m.group(0)) + 1) + text[m.end() :]
        return text
