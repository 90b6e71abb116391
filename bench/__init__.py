"""Benchmarks: per-stage micro-benchmarks and the pipeline benchmark (``python -m bench.run_all``)."""
