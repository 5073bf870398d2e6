"""Telegram's flood limits as pure bookkeeping, with the clock handed in (tests never sleep).

The overall window (windows.py) counts each message from the moment it is sent, plus a
margin for network jitter learnt from the round trips seen; it spreads its grants evenly
(about one every 1/30 s, not bursts of 30) and lets only a few messages wait for their
answer at once: those are all a crash can send twice.

- `FloodControl`: one window overall and a limiter per chat, plus the 429 bookkeeping.
- `jitter_margin`: how much later than sent Telegram may count a message.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from .windows import ChatLimiter, Clock, SlidingWindow, TokenBucket

__all__ = ["FloodControl", "FloodLimits", "jitter_margin"]


# The safety margin for jitter: half the spread of recent round trips (the part of it on
# the way there) plus MIN_MARGIN, at most MAX_MARGIN. A message slower than that moves its
# own count when answered (`SlidingWindow.end`), so the margin need not cover stalls.
MIN_MARGIN = 0.01
MAX_MARGIN = 0.25
ROUND_TRIPS_KEPT = 100
MIN_ROUND_TRIPS = 10


def jitter_margin(round_trips: Iterable[float]) -> float:
    """How much later than we started it Telegram may count a message, beyond the least."""
    trips = sorted(round_trips)
    if len(trips) < MIN_ROUND_TRIPS:
        return MAX_MARGIN  # not seen enough of this network yet: the most careful
    slow = trips[min(len(trips) - 1, math.ceil(0.95 * len(trips)) - 1)]  # one stall is no rule
    return min(MAX_MARGIN, MIN_MARGIN + (slow - trips[0]) / 2)


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's published limits (configurable, e.g. for a local Bot API server)."""

    overall_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: int = 20
    max_in_flight: int = 5  # messages waiting for their answer at once, all chats together


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
            margin=MAX_MARGIN,
            pace=True,
            max_in_flight=self.limits.max_in_flight,
        )
        self._chats: dict[int, ChatLimiter] = {}
        self._refusals: dict[int, float] = {}
        self._round_trips: deque[float] = deque(maxlen=ROUND_TRIPS_KEPT)

    def round_trip(self, seconds: float) -> None:
        """A message was answered after `seconds`: keep the jitter margin up to date."""
        self._round_trips.append(seconds)
        self.overall.margin = jitter_margin(self._round_trips)
        self.overall.fastest = min(self._round_trips)

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
                # A minute's window: the largest margin costs nothing.
                limiter = SlidingWindow(
                    self.limits.group_per_minute, 60.0, self.clock, margin=MAX_MARGIN
                )
            self._chats[chat_id] = limiter
        return limiter

    def chat_room(self, chat_id: int) -> int:
        """How many messages `chat_id` may receive now without waiting for its own limit."""
        return self.chat(chat_id).room()

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
