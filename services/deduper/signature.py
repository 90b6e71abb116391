"""Pure, stable (cross-process, cross-restart) text and vector signatures for the deduper.

Nothing here uses Python's salted ``hash``: every hash is derived from crc32 or fixed-seed
multipliers, so a restarted worker computes the same keys as the one that wrote the state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
import zlib
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]

_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})
_WORD = re.compile(r"\w+", re.UNICODE)
_SEED = 0x5EED_D00D


def normalise(text: str) -> str:
    """NFKC, casefolded, typographic quotes/dashes unified, invisible characters dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).translate(_QUOTES).translate(_DASHES).casefold()
    return _SPACE.sub(" ", text).strip()


def fingerprint(text: str) -> str:
    """sha256 (hex) of the normalised text."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    """Word tokens of the normalised text."""
    return _WORD.findall(normalise(text))


@lru_cache(maxsize=8)
def _perms(num_perm: int) -> tuple[U64, U64]:
    """Fixed odd multipliers and offsets for the multiply-shift hash family."""
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def shingle_hashes(tokens: list[str], k: int) -> U64:
    """64-bit hashes of the distinct word k-shingles (one shingle when there are fewer than k words)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    h = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens))
    n = max(1, len(tokens) - k + 1)
    acc = np.zeros(n, dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for i in range(min(k, len(tokens))):
            acc = acc * mult + h[i : i + n] + np.uint64(i + 1)
    return np.unique(acc)


def minhash(tokens: list[str], k: int, num_perm: int) -> U32 | None:
    """MinHash signature (uint32 per permutation) of the word k-shingles; None without words."""
    shingles = shingle_hashes(tokens, k)
    if shingles.size == 0:
        return None
    a, b = _perms(num_perm)
    with np.errstate(over="ignore"):
        hashed = (shingles[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)
    result: U32 = hashed.min(axis=0).astype(np.uint32)
    return result


def band_hashes(signature: U32, bands: int, rows: int | None = None) -> list[str]:
    """One hex hash per LSH band over the first bands × rows values (rows default: len // bands)."""
    rows = rows or signature.size // bands
    mat = signature[: rows * bands].reshape(bands, rows).astype(np.uint64)
    mult, _ = _perms(rows)
    with np.errstate(over="ignore"):
        h = (mat * mult[None, :]).sum(axis=1, dtype=np.uint64)
    return [f"{int(x) >> 16:012x}" for x in h]  # 48 bits: a key per band, verified on a match


def jaccard_estimate(a: U32, b: U32) -> float:
    """Share of equal MinHash values: an unbiased estimate of the shingle-set Jaccard similarity."""
    return float(np.count_nonzero(a == b)) / float(a.size)


def pack_u32(values: U32) -> str:
    """Base64 of little-endian uint32 values (JSON-friendly)."""
    return base64.b64encode(values.astype("<u4").tobytes()).decode("ascii")


def unpack_u32(data: str) -> U32:
    """Inverse of ``pack_u32``."""
    return np.frombuffer(base64.b64decode(data), dtype="<u4").astype(np.uint32)


def pack_vector(vector: list[float] | F32) -> str:
    """An L2-normalised vector quantised to int8 and base64-encoded (about 1.3 bytes per dimension)."""
    arr = np.asarray(vector, dtype=np.float32)
    q = np.clip(np.rint(arr * 127.0), -127, 127).astype(np.int8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def unpack_vector(data: str) -> F32:
    """Inverse of ``pack_vector``, renormalised to unit length."""
    arr = np.frombuffer(base64.b64decode(data), dtype=np.int8).astype(np.float32)
    norm = float(np.linalg.norm(arr))
    return arr / norm if norm > 0 else arr


@lru_cache(maxsize=8)
def _planes(dim: int, count: int) -> F32:
    """Fixed random hyperplanes (normal vectors) for sign-random-projection LSH."""
    rng = np.random.default_rng(_SEED + dim)
    return rng.standard_normal((count, dim)).astype(np.float32)


@lru_cache(maxsize=1)
def _centres() -> dict[int, F32]:
    """Mean vectors by dimension, shipped as data (``data/e5_center.json``)."""
    blob = json.loads(resources.files("services.deduper").joinpath("data/e5_center.json").read_text())
    return {int(blob["dim"]): np.asarray(blob["mean"], dtype=np.float32)}


def centred(vector: F32) -> F32:
    """The unit vector minus the model's mean direction, renormalised (unchanged for unknown models)."""
    mean = _centres().get(vector.size)
    if mean is None:
        return vector
    shifted = vector - mean
    norm = float(np.linalg.norm(shifted))
    return shifted / norm if norm > 0 else vector


def hyperplane_bands(vector: F32, bands: int, bits: int) -> list[str]:
    """Random-hyperplane LSH: one hex key per band of ``bits`` sign bits."""
    signs = (_planes(vector.size, bands * bits) @ vector) >= 0
    weights = (1 << np.arange(bits, dtype=np.uint64)).astype(np.uint64)
    codes = (signs.reshape(bands, bits).astype(np.uint64) * weights[None, :]).sum(axis=1)
    return [f"{int(c):x}" for c in codes]
