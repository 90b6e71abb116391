"""Offline processing time of every hostile-corpus input (issue 10: none may take more than 2 s).

    .venv/bin/python -m bench.bench_hostile [--output bench/results/hostile.json]

Runs each input of ``tests/data/hostile/expected.json`` through the offline path (embedding
backend ``none``) and writes, per input, its seconds, its outcome, and the maximum.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from services.offline import OfflinePipeline
from tests.unit.test_hostile import materialise, run_offline

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("bench/results/hostile.json"))
    args = parser.parse_args()
    pipeline = OfflinePipeline(embedding_backend="none")
    items: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        entries = materialise(root)
        for name, entry in entries.items():
            for key, seen in run_offline(root / Path(name).stem, pipeline).items():
                items.append(
                    {
                        "file": name,
                        "record": key,
                        "seconds": round(seen.seconds, 4),
                        "outcome": seen.describe(),
                        "known_gap": bool(entry.get("known_gap")),
                    }
                )
    slowest = max(items, key=lambda i: float(str(i["seconds"])))
    over = [i["file"] for i in items if float(str(i["seconds"])) > TARGET_S]
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "embedding_backend": "none",
        "target_s": TARGET_S,
        "payloads": len(items),
        "max_seconds": slowest["seconds"],
        "slowest": slowest["file"],
        "over_target": over,
        "items": items,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(items)} payloads, max {slowest['seconds']} s ({slowest['file']}), over {TARGET_S} s: {over}")


if __name__ == "__main__":
    main()
