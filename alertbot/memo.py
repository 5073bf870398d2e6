"""Bounded caches of pure functions of a string, which results worked out elsewhere can fill.

`functools.lru_cache` cannot be handed a result: a parse worker that has already worked out
an entry's canonical link, headline key and match text (see refresh/prework.py) could not
spare the bot's process the work. `Memo` can (`remember`). It evicts the oldest result
first: the bot asks for a result right after it was remembered or computed, so that keeps
what an LRU would. Keys longer than `max_length` are computed each time, never kept, so a
hostile feed's 5 MB text cannot make the cache hold thousands of them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar, cast

__all__ = ["Memo", "memo"]

V = TypeVar("V")
_MISSING = object()


class Memo(Generic[V]):
    """`function(key)`, computed once per key while the key is among the last `maxsize`."""

    def __init__(self, function: Callable[[str], V], maxsize: int, max_length: int) -> None:
        self.__wrapped__ = function
        self.__doc__ = function.__doc__
        self.maxsize, self.max_length = maxsize, max_length
        # Not a dict: taking a dict's first key walks past every slot deleted before it.
        self._results: OrderedDict[str, V] = OrderedDict()
        self._evicting = threading.Lock()  # /search's indexer thread shares some memos

    def __call__(self, key: str) -> V:
        value = self._results.get(key, _MISSING)  # no KeyError raised: a miss is common too
        if value is _MISSING:
            value = self.__wrapped__(key)
            self.remember(key, value)
        return cast(V, value)

    def remember(self, key: str, value: V) -> None:
        """Take `value` as the function's result for `key` (it must be: nothing checks)."""
        if len(key) > self.max_length:
            return
        results = self._results
        with self._evicting:
            results[key] = value
            if len(results) > self.maxsize:
                results.popitem(last=False)

    def cache_clear(self) -> None:
        with self._evicting:
            self._results.clear()

    def __len__(self) -> int:
        return len(self._results)


def memo(maxsize: int, max_length: int) -> Callable[[Callable[[str], V]], Memo[V]]:
    """Decorator: `@memo(maxsize=10_000, max_length=2_000)` over a pure function of a str."""

    def wrap(function: Callable[[str], V]) -> Memo[V]:
        return Memo(function, maxsize, max_length)

    return wrap
