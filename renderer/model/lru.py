"""A bounded least-recently-used cache, by entry count and by total weight (e.g. bytes)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most `max_entries` values weighing at most `max_weight` together.

    `weigh(key, value)` gives an entry's weight (default 1). The least recently used
    entries are evicted first; a single entry heavier than `max_weight` is not kept.
    Not thread-safe: callers that share one hold their own lock.
    """

    def __init__(self, max_entries: int, max_weight: int | None = None,
                 weigh: Callable[[K, V], int] | None = None):
        self.max_entries = max_entries
        self.max_weight = max_weight
        self.weigh = weigh or (lambda key, value: 1)
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.weight = 0

    def get(self, key: K, default: V | None = None) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return default
        self._entries.move_to_end(key)
        return found[0]

    def peek(self, key: K, default: V | None = None) -> V | None:
        """The value without marking it used."""
        found = self._entries.get(key)
        return default if found is None else found[0]

    def put(self, key: K, value: V) -> None:
        self.pop(key)
        weight = self.weigh(key, value)
        if self.max_weight is not None and weight > self.max_weight:
            return
        self._entries[key] = (value, weight)
        self.weight += weight
        while len(self._entries) > self.max_entries or (self.max_weight is not None and self.weight > self.max_weight):
            _, (_, dropped) = self._entries.popitem(last=False)
            self.weight -= dropped

    def pop(self, key: K, default: V | None = None) -> V | None:
        found = self._entries.pop(key, None)
        if found is None:
            return default
        self.weight -= found[1]
        return found[0]

    def clear(self) -> None:
        self._entries.clear()
        self.weight = 0

    def keys(self) -> list[K]:
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._entries))
