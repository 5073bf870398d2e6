"""Telegram-like flood limits: overall per second, per private chat, per group per minute.

Pure: the caller passes the clock. A refused message consumes no quota, and the answer is
the whole seconds (at least 1) until the message would be allowed, as in a 429's
`retry_after`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

__all__ = ["FloodControl", "FloodLimits"]


@dataclass(frozen=True)
class FloodLimits:
    """Limits like Telegram's; pass `limits=None` to the fake to disable them all."""

    per_second: int = 30  # all chats together
    private_per_second: float = 1.0  # sustained rate for one private chat
    private_burst: int = 3  # messages a private chat may receive at once after a pause
    group_per_minute: int = 20  # one group (negative chat id)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FloodControl:
    """Counts sent messages; `check` says how long to wait, or None and counts the message."""

    def __init__(self, limits: FloodLimits | None) -> None:
        self.reset(limits)

    def reset(self, limits: FloodLimits | None) -> None:
        """Use `limits` from now on, forgetting what was counted."""
        self.limits = limits
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, _Bucket] = {}

    def check(self, chat_id: int, now: float) -> int | None:
        """None if a message to `chat_id` may go now (and count it); else seconds to wait."""
        limits = self.limits
        if limits is None:
            return None
        waits = [_window_wait(self._overall, limits.per_second, 1.0, now)]
        if chat_id < 0:
            window = self._groups.setdefault(chat_id, deque())
            waits.append(_window_wait(window, limits.group_per_minute, 60.0, now))
        else:
            bucket = self._private.setdefault(chat_id, _Bucket(limits.private_burst, now))
            refill = (now - bucket.updated) * limits.private_per_second
            bucket.tokens = min(float(limits.private_burst), bucket.tokens + refill)
            bucket.updated = now
            if bucket.tokens < 1:
                waits.append((1 - bucket.tokens) / limits.private_per_second)
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._overall.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)
        else:
            self._private[chat_id].tokens -= 1
        return None


def _window_wait(window: deque[float], limit: int, span: float, now: float) -> float:
    """Seconds until `window` (times of sends within `span`) has room for one more."""
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < limit:
        return 0.0
    if limit <= 0:
        return span
    return window[len(window) - limit] + span - now
