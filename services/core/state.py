"""Changelog-backed state tables of the stage runner: one store per task, written in its transaction.

A table is split by task (= input partition number, co-partitioned across a worker's source
topics). Each task's store keeps the committed values and the writes of the open transaction:
the runner sends those writes to the table's compacted changelog topic (partition = task) inside
the task's Kafka transaction, then ``commit()``s them; an aborted transaction ``rollback()``s
them, so the state always matches the committed input offsets. A store is rebuilt from its
changelog (``read_committed``) whenever a task is assigned or reset.

A table may hold *derived* keys (``Derived``): an index over its other entries that is never
written to the changelog; it changes and rolls back with the transaction like any key, and is
recomputed from the restored entries after every restore.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

_DELETED: Any = object()


def _never(key: str) -> bool:
    return False


@dataclass(frozen=True)
class Derived:
    """Keys of a table recomputed from its other entries instead of logged (an index over them)."""

    is_derived: Callable[[str], bool]
    rebuild: Callable[[int, MutableMapping[str, Any]], object]  # (task, its store): write them all


class TaskStore(MutableMapping[str, Any]):
    """One task's slice of a table: committed values plus the open transaction's writes."""

    def __init__(self, derived: Callable[[str], bool] = _never) -> None:
        self.committed: dict[str, Any] = {}
        self.dirty: dict[str, Any] = {}
        self.derived = derived

    def __getitem__(self, key: str) -> Any:
        if key in self.dirty:
            value = self.dirty[key]
            if value is _DELETED:
                raise KeyError(key)
            return value
        return self.committed[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.dirty[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.dirty[key] = _DELETED

    def __iter__(self) -> Iterator[str]:
        for key in self.committed:
            if self.dirty.get(key, None) is not _DELETED:
                yield key
        for key, value in list(self.dirty.items()):
            if key not in self.committed and value is not _DELETED:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def changes(self) -> list[tuple[bytes, bytes | None]]:
        """The open transaction's writes as changelog records (key, JSON value or a tombstone).

        Derived keys are left out: they are recomputed after a restore.
        """
        return [
            (encode_key(key), None if value is _DELETED else json.dumps(value).encode())
            for key, value in self.dirty.items()
            if not self.derived(key)
        ]

    def commit(self) -> None:
        """Make the open transaction's writes the committed state."""
        for key, value in self.dirty.items():
            if value is _DELETED:
                self.committed.pop(key, None)
            else:
                self.committed[key] = value
        self.dirty.clear()

    def rollback(self) -> None:
        """Forget the open transaction's writes."""
        self.dirty.clear()

    def load(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one changelog record while restoring (a tombstone deletes)."""
        if key is None:
            return
        name = json.loads(key)
        if self.derived(name):
            return  # logged by an older version: recomputed instead
        if value is None:
            self.committed.pop(name, None)
        else:
            self.committed[name] = json.loads(value)


def encode_key(key: str) -> bytes:
    """A table key as it is written to the changelog (JSON, as faust tables wrote it)."""
    return json.dumps(key).encode()


class Table(MutableMapping[str, Any]):
    """A changelog-backed table; reads and writes go to the store of the task being processed."""

    def __init__(self, name: str, changelog_topic: str, derived: Derived | None = None) -> None:
        self.name = name
        self.changelog_topic = changelog_topic
        self.derived = derived
        self.stores: dict[int, TaskStore] = {}
        self.current: int | None = None

    def _new_store(self) -> TaskStore:
        return TaskStore(self.derived.is_derived) if self.derived else TaskStore()

    def store(self, task: int) -> TaskStore:
        """The store of one task (created empty on first use)."""
        found = self.stores.get(task)
        if found is None:
            found = self.stores[task] = self._new_store()
        return found

    def reset(self, task: int) -> TaskStore:
        """Replace a task's store by an empty one (before restoring it from the changelog)."""
        self.stores[task] = self._new_store()
        return self.stores[task]

    def restored(self, task: int) -> None:
        """After a restore: recompute the task's derived keys from its entries (as committed state)."""
        if self.derived is None:
            return
        store = self.store(task)
        self.derived.rebuild(task, store)
        store.commit()

    def drop(self, task: int) -> None:
        """Forget a task's store (its partition moved to another worker)."""
        self.stores.pop(task, None)

    def _active(self) -> TaskStore:
        if self.current is None:
            raise RuntimeError(f"table {self.name} used outside of a task")
        return self.store(self.current)

    def __getitem__(self, key: str) -> Any:
        return self._active()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._active()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._active()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._active())

    def __len__(self) -> int:
        return len(self._active())

    def entries(self) -> int:
        """Committed entries over every task this worker holds."""
        return sum(len(store.committed) for store in self.stores.values())
