"""One partition's slice of the deduper's shared index table, and its derived state after a restore."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from services.core.state import Derived
from services.deduper import reindex
from services.deduper.hops import owner
from services.deduper.logic import DeduperConfig


class PrefixedStore(MutableMapping[str, Any]):
    """A view of one partition's slice of a shared store: every key is prefixed with ``p<n>/``."""

    def __init__(self, base: MutableMapping[str, Any], partition: int) -> None:
        self.base = base
        self.prefix = f"p{partition}/"

    def __getitem__(self, key: str) -> Any:
        return self.base[self.prefix + key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.base[self.prefix + key] = value

    def __delitem__(self, key: str) -> None:
        del self.base[self.prefix + key]

    def __iter__(self) -> Iterator[str]:
        return (key[len(self.prefix) :] for key in list(self.base) if key.startswith(self.prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def rebuild_slice(
    store: MutableMapping[str, Any], partition: int, partitions: int, config: DeduperConfig
) -> int:
    """Recompute one partition's derived state (``reindex``) from its article records (after a restore)."""
    return reindex.rebuild(
        PrefixedStore(store, partition),
        lambda key: owner(key, partitions) == partition,
        mh_bands=config.mh_bands,
        mh_rows=config.mh_rows,
        entity_keys=config.entity_keys,
        max_refs=config.max_refs,
        meta_prefix=config.meta_prefix,
    )


def derived_state(partitions: int, config: DeduperConfig) -> Derived:
    """The index table's derived keys (``reindex``): never logged, rebuilt per task after a restore."""
    return Derived(
        reindex.derived_keys(config.meta_prefix),
        lambda task, store: rebuild_slice(store, task, partitions, config),
    )
