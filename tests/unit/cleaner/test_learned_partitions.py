"""Learned boilerplate does not depend on partitions: evidence is per source, and a source is one partition.

The stream is simulated as the stage runner sees it: the raw topic's record key picks the
partition (kafka's murmur2, as the producers' default partitioner), each partition is a task with
its own store of the ``boilerplate-lines`` table, committed after each message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from kafka.partitioner.default import murmur2

from services.cleaner.logic import BoilerplateMemory, clean
from services.cleaner.memory import META, line_key, source_key
from services.core.models import RawArticle, Source, Timestamps
from services.core.state import Table
from tests.unit.cleaner.cases import DATA, NOW

SPEC = json.loads((DATA / "learned.json").read_text(encoding="utf-8"))
OUTLETS = ("Valley Herald", "River Post")  # murmur2: partitions 0 and 1 of 2, 2 and 1 of 4
Cleaned = dict[str, tuple[str, list[tuple[str, str]]]]


def _stream() -> list[RawArticle]:
    """The learned corpus twice, once per outlet, interleaved (the same payloads in both outlets)."""
    out = []
    for n, name in enumerate(SPEC["inputs"]):
        text = (DATA / "learned" / name).read_text(encoding="utf-8")
        for outlet in OUTLETS:
            out.append(
                RawArticle(
                    article_id=f"{outlet[0]}{n}-{name}",
                    source=Source(uri=f"feeds/{name}", record_id=outlet, outlet=outlet),
                    text=text,
                    timestamps=Timestamps(ingested=NOW),
                )
            )
    return out


def _replay_key(raw: RawArticle) -> bytes:
    return source_key(raw.source).encode()


def _article_id_key(raw: RawArticle) -> bytes:
    return raw.article_id.encode()


def _run(partitions: int, key: Callable[[RawArticle], bytes]) -> tuple[Cleaned, Table]:
    """Clean the stream over ``partitions`` tasks; what each article became, and the table."""
    table = Table("boilerplate-lines", "wirestream-cleaner-boilerplate-lines-changelog")
    memory = BoilerplateMemory(table, threshold=SPEC["threshold"], window_seconds=SPEC["window_seconds"])
    out: Cleaned = {}
    for minute, raw in enumerate(_stream()):
        task = (murmur2(key(raw)) & 0x7FFFFFFF) % partitions
        table.current = task
        result = clean(raw, now=NOW + timedelta(minutes=minute), learned=memory)
        table.current = None
        table.store(task).commit()
        assert isinstance(result, list) and len(result) == 1
        out[raw.article_id] = (result[0].text, [(r.kind, r.text) for r in result[0].removed])
    return out, table


def _keys(table: Table) -> list[str]:
    return [k for store in table.stores.values() for k in store.committed if not k.startswith(META)]


def test_the_same_payload_is_cleaned_the_same_on_any_partition() -> None:
    one, _ = _run(1, _replay_key)
    two, table_two = _run(2, _replay_key)
    four, _ = _run(4, _replay_key)
    assert sorted(table_two.stores) == [0, 1], "the two outlets live on two tasks"
    assert one == two == four
    cut = ("learned_boilerplate", SPEC["learned_lines"][0])
    learned = [a for a, (_, removed) in one.items() if cut in removed]
    per_outlet = len(SPEC["inputs"]) - SPEC["learned_from_article"] + 1
    assert len(learned) == 2 * per_outlet, "learned in both outlets, each from its own third article on"


def test_each_line_of_a_source_lives_in_one_task_and_the_size_metric_counts_it() -> None:
    _, single = _run(1, _replay_key)
    _, split = _run(2, _replay_key)
    keys = _keys(split)
    assert len(keys) == len(set(keys)), "no line's evidence is spread over two tasks"
    assert set(keys) == set(_keys(single))
    line = SPEC["learned_lines"][1]
    per_outlet = {line_key(line, source_key(Source(uri="x", outlet=o))) for o in OUTLETS}
    assert per_outlet <= set(keys) and len(per_outlet) == 2, "one entry per source, never shared"
    # the gauge wirestream_state_entries{table=boilerplate-lines} is Table.entries()
    assert split.entries() == sum(len(s.committed) for s in split.stores.values()) >= len(keys)


def test_keyed_by_article_id_the_cleaning_would_depend_on_the_partition() -> None:
    """The contrast: spread over partitions by article id, a source's evidence is split and results differ."""
    one, _ = _run(1, _article_id_key)
    two, spread = _run(2, _article_id_key)
    assert one != two
    sources_per_task = [
        {k.split("-")[0][0] for k in one if (murmur2(k.encode()) & 0x7FFFFFFF) % 2 == task} for task in (0, 1)
    ]
    assert all(len(s) == 2 for s in sources_per_task), "both outlets on both tasks"
    assert len(spread.stores) == 2


def test_the_source_key_is_the_outlet_then_the_url_host_then_the_folder() -> None:
    assert (
        source_key(Source(uri="a.jsonl", outlet=" Valley  Herald ", url="https://x.org/a"))
        == "outlet:valley herald"
    )
    assert source_key(Source(uri="a.jsonl", url="https://www.Example.com:8443/news/1")) == "host:example.com"
    assert source_key(Source(uri="http://feeds.example.org/rss")) == "host:feeds.example.org"
    assert source_key(Source(uri="site/2024/a.txt")) == "path:site/2024"
    assert source_key(Source(uri="a.txt")) == source_key(Source(uri="b.html")) == "path:"
    assert source_key(Source(uri="http://[bad")) == "path:http:", "a broken URL is taken as a path"
