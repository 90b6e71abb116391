"""Task stores of the runner's tables: reads see the open transaction, rollback forgets it."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest

from services.core.state import Derived, Table, TaskStore, encode_key


def test_writes_are_visible_before_commit_and_gone_after_rollback() -> None:
    store = TaskStore()
    store["a"] = {"n": 1}
    store.commit()
    store["a"] = {"n": 2}
    store["b"] = [1]
    del store["a"]
    assert "a" not in store and store["b"] == [1] and sorted(store) == ["b"]
    store.rollback()
    assert store["a"] == {"n": 1} and "b" not in store and len(store) == 1


def test_changes_are_changelog_records_and_restore_replays_them() -> None:
    store = TaskStore()
    store["keep"] = {"v": [1, 2]}
    store["gone"] = 1
    store.commit()
    del store["gone"]
    store["new"] = "x"
    records = dict(store.changes())
    assert records == {encode_key("gone"): None, encode_key("new"): b'"x"'}
    store.commit()
    copy = TaskStore()
    for key, value in [(encode_key("keep"), b'{"v": [1, 2]}'), (encode_key("gone"), b"1"), *records.items()]:
        copy.load(key, value)
    assert copy.committed == store.committed


def test_a_table_reads_and_writes_the_current_tasks_store_only() -> None:
    table = Table("t", "t-changelog")
    with pytest.raises(RuntimeError):
        table["x"] = 1
    table.current = 0
    table["x"] = 1
    table.current = 3
    assert "x" not in table
    table["x"] = 2
    table.current = 0
    assert table["x"] == 1
    table.store(0).commit()
    table.store(3).commit()
    assert table.entries() == 2
    table.drop(3)
    assert table.entries() == 1


def _index_of(task: int, store: MutableMapping[str, Any]) -> None:
    """A derived key per task: the sorted names of the store's records."""
    store["idx:names"] = sorted(key for key in store if key.startswith("rec:"))
    store["idx:task"] = task


def test_derived_keys_are_not_logged_and_are_rebuilt_after_a_restore() -> None:
    table = Table("t", "t-changelog", Derived(lambda key: key.startswith("idx:"), _index_of))
    store = table.store(3)
    store["rec:a"] = 1
    store["idx:names"] = ["rec:a"]
    assert dict(store.changes()) == {encode_key("rec:a"): b"1"}  # the derived write stays local
    store.commit()
    assert store["idx:names"] == ["rec:a"]
    restored = table.reset(3)
    restored.load(encode_key("rec:b"), b"2")
    restored.load(encode_key("idx:names"), b'["stale"]')  # written by an older version: skipped
    assert "idx:names" not in restored
    table.restored(3)
    assert table.store(3)["idx:names"] == ["rec:b"] and table.store(3)["idx:task"] == 3
    assert restored.dirty == {} and restored.changes() == []  # rebuilt as committed state
