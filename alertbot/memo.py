"""Bounded caches of pure functions, which results worked out elsewhere can fill.

`functools.lru_cache` cannot be handed a result: a parse worker that has already worked out
an entry's canonical link, headline key and match text (see refresh/prework.py) could not
spare the bot's process the work. `Memo` can (`remember`); it evicts the oldest entry first,
which for the bot's use — a result asked for right after it was remembered or computed —
keeps what an LRU would.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

__all__ = ["Memo", "memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()


class Memo(Generic[K, V]):
    """`function(key)`, computed once per key while the key is among the last `maxsize`."""

    def __init__(self, function: Callable[[K], V], maxsize: int) -> None:
        self.__wrapped__ = function
        self.__doc__ = function.__doc__
        self.maxsize = maxsize
        # Not a dict: taking a dict's first key walks past every slot deleted before it.
        self._results: OrderedDict[K, V] = OrderedDict()
        self._evicting = threading.Lock()  # /search's indexer thread shares some memos

    def __call__(self, key: K) -> V:
        value = self._results.get(key, _MISSING)  # no KeyError raised: a miss is common too
        if value is _MISSING:
            value = self.__wrapped__(key)
            self.remember(key, value)
        return cast(V, value)

    def remember(self, key: K, value: V) -> None:
        """Take `value` as the function's result for `key` (it must be: nothing checks)."""
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


def memo(maxsize: int) -> Callable[[Callable[[K], V]], Memo[K, V]]:
    """Decorator: `@memo(maxsize=10_000)` over a pure function of one hashable argument."""

    def wrap(function: Callable[[K], V]) -> Memo[K, V]:
        return Memo(function, maxsize)

    return wrap
