"""The offline side of the pipeline benchmark: ``wirestream process``'s pipeline over the same texts.

``offline`` times ``OfflinePipeline.run_raw`` (plus the JSON line ``process`` writes) and, inside
it, each stage function's own cost; ``codec_costs`` times what a worker adds around a stage
function (decode + validate the input, encode the outputs); ``profile`` runs cProfile over part of
the same articles and returns the hottest functions' shares.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.core.ingest import Payload, new_article_id, to_raw
from services.core.models import EnrichedArticle, RawArticle
from services.core.stage import Stage, encode
from services.loadtest.generator import Variant
from services.offline import OfflinePipeline

STAGE_NAMES = ("cleaner", "tagger", "deduper")
SAMPLE = 300


def raw_articles(variants: Sequence[Variant]) -> list[RawArticle]:
    """Return the raw events of the variants (fresh article ids, ingested now)."""
    now = datetime.now(UTC)
    return [
        to_raw(Payload(v.uri, None, v.text.encode("utf-8"), "text/plain"), new_article_id(v.uri), now)
        for v in variants
    ]


class _Timed:
    """Wraps a stage function: accumulates its CPU and wall time, keeps a sample of inputs and outputs.

    CPU is the process's (every thread): the tagger embeds in a thread of its own during the call.
    """

    def __init__(self, fn: Callable[[Any, datetime], Any]) -> None:
        self.fn = fn
        self.seconds = 0.0
        self.wall = 0.0
        self.calls = 0
        self.inputs: list[Any] = []
        self.outputs: list[Any] = []

    def __call__(self, item: Any, now: datetime) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        result = self.fn(item, now)
        self.seconds += time.process_time() - cpu
        self.wall += time.perf_counter() - started
        self.calls += 1
        if len(self.inputs) < SAMPLE:
            self.inputs.append(item)
            if isinstance(result, list):
                self.outputs.extend(emit.value for emit in result)
        return result


def _stages(pipeline: OfflinePipeline) -> dict[str, Stage[Any]]:
    return {"cleaner": pipeline.cleaner, "tagger": pipeline.tagger, "deduper": pipeline.deduper}


def offline(variants: Sequence[Variant], sink: list[EnrichedArticle] | None = None) -> dict[str, Any]:
    """Run the offline pipeline over the variants: articles/s (wall) and each stage function's CPU cost.

    ``sink``, when given, receives every output event (for the quality figures of the same run).
    """
    raws = raw_articles(variants)
    pipeline = OfflinePipeline()
    timers = {}
    for name, stage in _stages(pipeline).items():
        timers[name] = _Timed(stage.fn)
        stage.fn = timers[name]
    outputs = 0
    started = time.perf_counter()
    for raw in raws:
        for event in pipeline.run_raw(raw, datetime.now(UTC)):
            event.model_dump_json()
            outputs += 1
            if sink is not None and isinstance(event, EnrichedArticle):
                sink.append(event)
    seconds = time.perf_counter() - started
    stages: dict[str, Any] = {}
    for name, timer in timers.items():
        stages[name] = {
            "calls": timer.calls,
            "fn_ms_per_call": round(1000 * timer.seconds / max(timer.calls, 1), 3),
            "fn_wall_ms_per_call": round(1000 * timer.wall / max(timer.calls, 1), 3),
            "fn_ms_per_article": round(1000 * timer.seconds / len(raws), 3),
            **codec_costs(_stages(pipeline)[name], timer.inputs, timer.outputs),
        }
    return {
        "articles": len(raws),
        "outputs": outputs,
        "seconds": round(seconds, 3),
        "articles_per_s": round(len(raws) / seconds, 2),
        "stage_fn_ms_per_article": round(1000 * sum(t.seconds for t in timers.values()) / len(raws), 3),
        "stages": stages,
    }


def codec_costs(stage: Stage[Any], inputs: list[Any], outputs: list[Any]) -> dict[str, float]:
    """Time decode + validate of the sampled inputs and encode of the sampled outputs (ms per message)."""
    payloads = [encode(item) for item in inputs]
    started = time.thread_time()
    for payload in payloads:
        stage.input_model.model_validate_json(payload)
    decode_s = time.thread_time() - started
    started = time.thread_time()
    for value in outputs:
        encode(value)
    encode_s = time.thread_time() - started
    return {
        "decode_ms_per_message": round(1000 * decode_s / max(len(payloads), 1), 3),
        "encode_ms_per_message": round(1000 * encode_s / max(len(outputs), 1), 3),
        "mean_input_bytes": round(sum(map(len, payloads)) / max(len(payloads), 1)),
    }


def _name(key: tuple[str, int, str]) -> str:
    path, line, func = key
    if path == "~":
        return func
    parts = Path(path).parts
    if "site-packages" in parts:
        short = "/".join(parts[parts.index("site-packages") + 1 :])
    elif "services" in parts:
        short = "/".join(parts[parts.index("services") :])
    else:
        short = "/".join(parts[-2:])
    return f"{short}:{line}({func})"


def profile(variants: Sequence[Variant], text_path: Path | None = None, top: int = 15) -> dict[str, Any]:
    """cProfile the offline pipeline over the variants; return the top functions by own and total time.

    cProfile sees one thread, so the tagger embeds on it here (``overlap_embedding=False``).
    """
    raws = raw_articles(variants)
    pipeline = OfflinePipeline(overlap_embedding=False)
    profiler = cProfile.Profile()
    profiler.enable()
    for raw in raws:
        for event in pipeline.run_raw(raw, datetime.now(UTC)):
            event.model_dump_json()
    profiler.disable()
    stats = pstats.Stats(profiler)
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in table.values()) or 1.0
    by_own = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    ours = [(k, v) for k, v in table.items() if "/services/" in k[0] and "/services/core/" not in k[0]]
    by_cum = sorted(ours, key=lambda kv: kv[1][3], reverse=True)[: top + 5]
    if text_path is not None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(40)
        text_path.parent.mkdir(parents=True, exist_ok=True)
        text_path.write_text(buffer.getvalue(), encoding="utf-8")
    return {
        "articles": len(raws),
        "profiled_seconds": round(total, 3),
        "top_own_time": [{"function": _name(k), "share": round(v[2] / total, 4)} for k, v in by_own],
        "top_stage_steps_cumulative": [
            {"function": _name(k), "share": round(v[3] / total, 4)} for k, v in by_cum
        ],
    }
