"""Flood limits as token buckets, with the clock handed in so tests need no sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FloodControl", "FloodLimits", "TokenBucket"]


@dataclass
class TokenBucket:
    """`rate` tokens a second up to `capacity`; `reserve` says how long until one is free."""

    rate: float
    capacity: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)
    blocked_until: float = 0.0

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    def _refill(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return now

    def wait_time(self) -> float:
        """Seconds until a token can be taken (0 when one is available now)."""
        now = self._refill()
        if now < self.blocked_until:
            return self.blocked_until - now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self._refill()
        self.tokens -= 1

    def block(self, seconds: float) -> None:
        """Hold the bucket closed (after a 429) and empty it so the restart is gentle."""
        now = self._refill()
        self.blocked_until = max(self.blocked_until, now + seconds)
        self.tokens = 0


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's published limits (configurable, e.g. for a local Bot API server)."""

    overall_per_second: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 3.0


class FloodControl:
    """One bucket overall and one per chat; a private chat has a positive id."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.overall = TokenBucket(limits.overall_per_second, limits.overall_per_second, clock)
        self._chats: dict[int, TokenBucket] = {}

    def chat(self, chat_id: int) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id > 0:
                bucket = TokenBucket(
                    self.limits.private_per_second, self.limits.private_burst, self.clock
                )
            else:
                bucket = TokenBucket(
                    self.limits.group_per_minute / 60, self.limits.group_burst, self.clock
                )
            self._chats[chat_id] = bucket
        return bucket

    def chat_wait(self, chat_id: int) -> float:
        return self.chat(chat_id).wait_time()
