"""Telegram's flood limits as pure bookkeeping, with the clock handed in (tests never sleep).

Every limiter counts a message from the moment it is handed to Telegram until its answer
came back, and only then starts the clock on it. Telegram counts a message somewhere in
between, so however the network delays requests, what we count is never less than what
Telegram counts: staying under our count keeps us under theirs.

- `SlidingWindow`: at most `limit` messages in any `span` seconds (all chats; one group).
- `TokenBucket`: `rate` a second with bursts of `capacity` (one private chat).
- `FloodControl`: one window overall and a limiter per chat, plus the 429 bookkeeping.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ChatLimiter", "FloodControl", "FloodLimits", "SlidingWindow", "TokenBucket"]

Clock = Callable[[], float]


class ChatLimiter(Protocol):
    def wait_time(self) -> float | None: ...
    def begin(self) -> None: ...
    def end(self) -> None: ...
    def block(self, seconds: float) -> None: ...
    def idle(self) -> bool: ...


@dataclass
class TokenBucket:
    """`rate` tokens a second up to `capacity`; nothing refills while a message is in flight."""

    rate: float
    capacity: float
    clock: Clock = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)
    blocked_until: float = 0.0
    in_flight: int = 0

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    def _refill(self) -> float:
        now = self.clock()
        if self.in_flight == 0:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return now

    def wait_time(self) -> float:
        """Seconds until a message may start (0 when one may start now)."""
        now = self._refill()
        if now < self.blocked_until:
            return self.blocked_until - now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def begin(self) -> None:
        self._refill()
        self.tokens -= 1
        self.in_flight += 1

    def end(self) -> None:
        self._refill()
        self.in_flight = max(0, self.in_flight - 1)

    def block(self, seconds: float) -> None:
        """Hold the bucket closed (after a 429) and empty it so the restart is gentle."""
        now = self._refill()
        self.blocked_until = max(self.blocked_until, now + seconds)
        self.tokens = 0

    def idle(self) -> bool:
        return self.in_flight == 0 and self.wait_time() == 0 and self.tokens >= self.capacity


@dataclass
class SlidingWindow:
    """At most `limit` messages in any `span` seconds, counted from start until `span` after.

    `allowance` is the limit in force: a global 429 halves it (the configured limit was
    more than Telegram grants) and it grows back by `recovery` messages a second.
    """

    limit: int
    span: float = 1.0
    clock: Clock = time.monotonic
    recovery: float = 0.1
    in_flight: int = 0
    blocked_until: float = 0.0
    finished: deque[float] = field(default_factory=deque)
    allowance: float = field(init=False)
    adjusted: float = field(init=False)

    def __post_init__(self) -> None:
        self.allowance = float(self.limit)
        self.adjusted = self.clock()

    def _now(self) -> float:
        now = self.clock()
        self.allowance = min(self.limit, self.allowance + (now - self.adjusted) * self.recovery)
        self.adjusted = now
        while self.finished and self.finished[0] <= now - self.span:
            self.finished.popleft()
        return now

    def wait_time(self) -> float | None:
        """Seconds until a message may start; None when only an answer can free a place."""
        now = self._now()
        if now < self.blocked_until:
            return self.blocked_until - now
        room = max(1, math.floor(self.allowance))
        used = self.in_flight + len(self.finished)
        if used < room:
            return 0.0
        must_expire = used - room + 1
        if must_expire > len(self.finished):
            return None
        return self.finished[must_expire - 1] + self.span - now

    def begin(self) -> None:
        self.in_flight += 1

    def end(self) -> None:
        """The answer came back: from now the message counts for `span` seconds."""
        self.in_flight = max(0, self.in_flight - 1)
        self.finished.append(self._now())

    def cancel(self) -> None:
        """A place was granted but nothing was sent."""
        self.in_flight = max(0, self.in_flight - 1)

    def block(self, seconds: float) -> None:
        now = self._now()
        self.blocked_until = max(self.blocked_until, now + seconds)

    def slow_down(self) -> None:
        self._now()
        self.allowance = max(1.0, self.allowance / 2)

    def idle(self) -> bool:
        return self.in_flight == 0 and not self.finished and self.wait_time() == 0


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's published limits (configurable, e.g. for a local Bot API server)."""

    overall_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: int = 20


# This many chats refused within a second: the limit hit was the overall one. Our own
# per-chat limits make two chats' own refusals that close together unlikely.
GLOBAL_429_CHATS = 2


class FloodControl:
    """One window overall and one limiter per chat (a private chat has a positive id)."""

    def __init__(self, limits: FloodLimits | None = None, clock: Clock = time.monotonic) -> None:
        self.limits = limits or FloodLimits()
        self.clock = clock
        self.overall = SlidingWindow(
            self.limits.overall_per_second,
            1.0,
            clock,
            recovery=self.limits.overall_per_second / 300,
        )
        self._chats: dict[int, ChatLimiter] = {}
        self._refusals: dict[int, float] = {}

    def chat(self, chat_id: int) -> ChatLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) >= 20000:
                self._forget_idle()
            if chat_id > 0:
                limiter = TokenBucket(
                    self.limits.private_per_second, self.limits.private_burst, self.clock
                )
            else:
                limiter = SlidingWindow(self.limits.group_per_minute, 60.0, self.clock)
            self._chats[chat_id] = limiter
        return limiter

    def chat_wait(self, chat_id: int) -> float | None:
        limiter = self._chats.get(chat_id)
        return 0.0 if limiter is None else limiter.wait_time()

    def retry_after(self, chat_id: int, seconds: float) -> bool:
        """Telegram answered 429: hold the chat, and everyone if several chats were refused.

        Returns True when the refusal looks global (then the overall pace is also halved).
        """
        now = self.clock()
        self.chat(chat_id).block(seconds)
        if now < self.overall.blocked_until:
            return True  # more answers from the burst already taken for a global refusal
        self._refusals = {c: t for c, t in self._refusals.items() if now - t < 1.0}
        self._refusals[chat_id] = now
        if len(self._refusals) < GLOBAL_429_CHATS:
            return False
        self._refusals.clear()
        self.overall.block(seconds)
        self.overall.slow_down()
        return True

    def _forget_idle(self) -> None:
        for chat_id in [c for c, limiter in self._chats.items() if limiter.idle()]:
            del self._chats[chat_id]
