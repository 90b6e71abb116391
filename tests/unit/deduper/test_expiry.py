"""The expiry queue: constant writes per article whatever the hourly rate; older lists still evicted."""

from __future__ import annotations

import json
from typing import Any

from services.deduper import keys as k
from services.deduper.expiry import Expirer

HOUR0 = 480_000  # an hour since the epoch


def _expirer(store: dict[str, Any]) -> Expirer:
    return Expirer(store, "meta", 8, 16, 4, mh_rows=3)


def _queue(expirer: Expirer, n: int) -> list[int]:
    """Queue n articles into one hour; the changelog bytes each one's writes take."""
    sizes = []
    for i in range(n):
        when = HOUR0 * k.HOUR + i % k.HOUR
        keys = expirer.queue_keys(f"a{i}", when)
        values = {key: expirer.store[key] for key in keys if key in expirer.store}
        writes = expirer.enqueue(f"a{i}", when, values)
        expirer.store.update(writes)
        sizes.append(sum(len(key) + len(json.dumps(v)) for key, v in writes.items()))
    return sizes


def test_queue_writes_do_not_grow_with_the_hourly_rate() -> None:
    few, many = _queue(_expirer({}), 10), _queue(_expirer({}), 5000)
    # 500x the rate: only digits grow (of the id, the slot and two counters), not a list
    assert max(many) <= max(few) + 4 * 3
    assert len(_expirer({}).enqueue("x", HOUR0 * k.HOUR, {})) == 3  # slot, hour counter, docs counter


def test_an_hour_that_leaves_the_window_is_evicted_slot_by_slot() -> None:
    store: dict[str, Any] = {}
    expirer = _expirer(store)
    _queue(expirer, 50)
    for i in range(50):
        store[k.doc_key(f"a{i}")] = {"t": HOUR0 * k.HOUR, "f": f"fp{i}"}
    store["exp:480000:3"] = ["old"]  # a list of the layout before slots
    store[k.doc_key("old")] = {"t": HOUR0 * k.HOUR, "f": "fpold"}
    expirer.expire_until((HOUR0 - 1) * k.HOUR)  # sets the watermark
    assert expirer.expire_until((HOUR0 + 1) * k.HOUR) == 51
    assert not [key for key in store if key.startswith(("exp:", "doc:"))]
