"""Dead-letter tools on the real broker: a rejected article is fixed, replayed once, and comes out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.core.consume import Record, collect_until, records
from services.core.settings import ENRICHED, RAW, KafkaSettings
from services.dlq.cli import export, inspect, replay
from services.dlq.select import Filter
from services.replay.producer import ReplaySettings
from services.replay.producer import replay as replay_files
from services.supervise import WorkerProcess, stop_workers
from tests.conftest import SEEDS

TOO_LARGE = Filter(stage="cleaner", reason="payload_too_large")


def test_fix_then_replay_sends_each_dead_letter_back_once_and_it_comes_out_enriched(
    kafka: KafkaSettings,
    start_workers: Callable[..., list[WorkerProcess]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    start_workers("tagger", "deduper", extra_env={"WIRESTREAM_TAGGER_EMBEDDING_BACKEND": "none"})
    (strict,) = start_workers("cleaner", extra_env={"WIRESTREAM_CLEANER_MAX_PAYLOAD_BYTES": "1024"})
    files = sorted(SEEDS.glob("*.txt"))[:2]  # both over 1 KiB: dead letters under the strict limit
    sent = replay_files(files, ReplaySettings(kafka=kafka), progress=False)
    ids = set(sent.article_ids)

    collect_until(
        kafka, [kafka.topic("articles.dlq.v1")], lambda rs: {r.key for r in rs} >= ids, deadline_s=60
    )
    capsys.readouterr()
    inspect(kafka, TOO_LARGE, newest=5)
    shown = capsys.readouterr().out
    assert "2 dead letters" in shown and "cleaner" in shown and "payload_too_large" in shown
    assert all(i in shown for i in ids) and f"from {kafka.topic(RAW)}[" in shown

    stop_workers([strict])
    start_workers("cleaner")  # the cause fixed: the default 2 MiB limit
    replay(kafka, TOO_LARGE, dry_run=True, progress=False)
    assert "would send 2 of 2" in capsys.readouterr().out
    replay(kafka, TOO_LARGE, dry_run=False, progress=False)
    assert "sent 2 of 2" in capsys.readouterr().out

    def out(rs: list[Record]) -> bool:
        return {r.value.get("parent_id") for r in rs if isinstance(r.value, dict)} >= ids

    collect_until(kafka, [kafka.topic(ENRICHED)], out, deadline_s=120)
    replay(kafka, TOO_LARGE, dry_run=False, progress=False)
    again = capsys.readouterr().out
    assert "sent 0 of 2" in again and "2 already_replayed" in again
    raw = list(records(kafka, [kafka.topic(RAW)], idle_timeout_s=2.0))
    assert len(raw) == 4, "two originals and exactly one replay of each"

    export(kafka, TOO_LARGE, tmp_path / "dlq.jsonl")
    lines = (tmp_path / "dlq.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all('"reason": "payload_too_large"' in line for line in lines)
