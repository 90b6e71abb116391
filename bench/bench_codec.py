"""Framework cost per hop message: JSON encode/decode and Kafka batch compression (performance issue).

The messages are real: the SemEval dev stream's tagged articles (``bench/story_corpus.py`` cache,
the tagger's output with its 384-float embedding) and the enriched events the deduper makes of them
(the pipeline's output). Measured side by side in one process, CPU ms per message:

- **encode**: what the runner does (``stage.encode``: pydantic ``model_dump_json`` then ``.encode()``),
  pydantic-core's ``to_json`` straight to bytes, and ``orjson`` over ``model_dump(mode="json")``;
- **decode**: what the runner does (``model_validate_json``) and ``orjson.loads`` + ``model_validate``;
- **compression** of producer batches of 16 messages, with aiokafka's own codecs (gzip always;
  snappy, lz4 and zstd when ``cramjam`` is installed): ratio, compress and decompress CPU.

Usage: python -m bench.bench_codec [--out bench/results/codec.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aiokafka import codec
from pydantic import BaseModel

from bench.bench_embedding_inputs import cpu_ms
from bench.bench_story_stream import run_stream, semeval_stream
from services.core.stage import encode
from services.deduper.logic import DeduperConfig

REPO = Path(__file__).resolve().parents[1]
BATCH = 16
REPEAT = 3  # timings per figure; the median is reported


def _cpu_ms(fn: Callable[[], Any], count: int) -> float:
    return cpu_ms(fn, count, repeat=REPEAT, digits=4)


def json_costs(messages: Sequence[BaseModel], blobs: list[bytes]) -> dict[str, Any]:
    """Encode and decode CPU per message (``blobs``: their encoded form), the runner's way and others."""
    model = type(messages[0])
    out: dict[str, Any] = {
        "messages": len(messages),
        "mean_bytes": round(sum(map(len, blobs)) / len(blobs)),
        "encode_ms": {
            "pydantic_dump_json (shipped)": _cpu_ms(lambda: [encode(m) for m in messages], len(messages)),
            "pydantic_core_to_json": _cpu_ms(
                lambda: [m.__pydantic_serializer__.to_json(m) for m in messages], len(messages)
            ),
        },
        "decode_ms": {
            "pydantic_validate_json (shipped)": _cpu_ms(
                lambda: [model.model_validate_json(b) for b in blobs], len(messages)
            ),
        },
    }
    if importlib.util.find_spec("orjson"):
        import orjson

        out["encode_ms"]["orjson_dumps_model_dump"] = _cpu_ms(
            lambda: [orjson.dumps(m.model_dump(mode="json")) for m in messages], len(messages)
        )
        out["decode_ms"]["orjson_loads_model_validate"] = _cpu_ms(
            lambda: [model.model_validate(orjson.loads(b)) for b in blobs], len(messages)
        )
    else:
        out["orjson"] = "not installed"
    return out


def _mapper(fn: Callable[[bytes], bytes], items: list[bytes]) -> Callable[[], list[bytes]]:
    return lambda: [fn(item) for item in items]


def compression_costs(blobs: list[bytes]) -> dict[str, Any]:
    """Per codec: compressed/raw ratio and CPU per message of compressing and decompressing batches."""
    batches = [b"".join(blobs[i : i + BATCH]) for i in range(0, len(blobs), BATCH)]
    raw = sum(map(len, batches))
    codecs: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
        "gzip": (codec.gzip_encode, codec.gzip_decode)
    }
    if codec.has_lz4():
        codecs.update(
            snappy=(codec.snappy_encode, codec.snappy_decode),
            lz4=(codec.lz4_encode, codec.lz4_decode),
            zstd=(codec.zstd_encode, codec.zstd_decode),
        )
    out: dict[str, Any] = {"batch_messages": BATCH, "raw_bytes_per_message": round(raw / len(blobs))}
    for name, (enc, dec) in codecs.items():
        packed = [enc(b) for b in batches]
        out[name] = {
            "ratio": round(sum(map(len, packed)) / raw, 3),
            "compress_ms": _cpu_ms(_mapper(enc, batches), len(blobs)),
            "decompress_ms": _cpu_ms(_mapper(dec, packed), len(blobs)),
        }
    if not codec.has_lz4():
        out["snappy_lz4_zstd"] = "cramjam not installed"
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure both hops' messages and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "codec.json")
    args = parser.parse_args(argv)
    stream, _, _ = semeval_stream(build=False)
    if not stream:
        raise SystemExit("no cached SemEval articles: run python -m bench.story_corpus first")
    events, _ = run_stream(stream, DeduperConfig(), partitions=4)
    enriched = list(events.values())
    report: dict[str, Any] = {}
    for name, messages in (("tagged", list(stream)), ("enriched", enriched)):
        blobs = [encode(m) for m in messages]
        report[name] = {"json": json_costs(messages, blobs), "compression": compression_costs(blobs)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
