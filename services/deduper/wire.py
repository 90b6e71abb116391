"""An article's signature as JSON, exact: hop 1 computes it once, every owner partition reads it back.

A probe then carries the signature (MinHash, embedding, keys and story evidence: a few KB) instead of
the whole article, and the owner partitions do not compute it again.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np

from services.deduper import signature as sg
from services.deduper.facts import FIELD_KEYS, facts_from
from services.deduper.logic import Signature


def _f32(vector: sg.F32) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def _unf32(data: str) -> sg.F32:
    return np.frombuffer(base64.b64decode(data), dtype="<f4").astype(np.float32)


def to_wire(sig: Signature) -> dict[str, Any]:
    """The signature as a JSON-ready dict (arrays as base64, bit for bit)."""
    return {
        "id": sig.article_id,
        "fp": sig.fingerprint,
        "t": sig.event_time,
        "p": sig.story_time,
        "m": sg.pack_u32(sig.minhash) if sig.minhash is not None else None,
        "mk": list(sig.mh_keys),
        "e": _f32(sig.embedding) if sig.embedding is not None else None,
        "ek": list(sig.emb_keys),
        "n": list(sig.entities),
        "nk": list(sig.ent_keys),
        "l": sig.language,
        "f": asdict(sig.facts),
    }


def keys_only(wired: Mapping[str, Any]) -> dict[str, Any]:
    """A wire signature without the MinHash and the embedding: what a partition that only lists the
    article needs to store it (its keys, times and story evidence), at half the bytes."""
    return {**wired, "m": None, "e": None}


def from_wire(data: Mapping[str, Any]) -> Signature:
    """Inverse of ``to_wire``."""
    facts = facts_from(data["f"], FIELD_KEYS)
    return Signature(
        str(data["id"]),
        str(data["fp"]),
        int(data["t"]),
        int(data["p"]),
        sg.unpack_u32(data["m"]) if data.get("m") is not None else None,
        tuple(data["mk"]),
        _unf32(data["e"]) if data.get("e") is not None else None,
        tuple(data["ek"]),
        tuple(data["n"]),
        tuple(data["nk"]),
        data.get("l"),
        facts,
    )
