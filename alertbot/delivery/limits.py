"""Telegram's flood limits as pure bookkeeping, with the clock handed in (tests never sleep).

Telegram counts a message when the request reaches it: after we sent it, by a delay that
varies. The windows count each message from the moment it is sent, for the window's span
plus a margin for that variation (from the round trips seen), so what we count in any
window is never less than what Telegram counts. The overall window also spreads its grants
evenly (about one every 1/30 s, not bursts of 30) and lets only a few messages wait for
their answer at once: those are all a crash can send twice.

- `SlidingWindow`: at most `limit` messages in any `span` seconds (all chats; one group).
- `TokenBucket`: `rate` a second with bursts of `capacity` (one private chat).
- `FloodControl`: one window overall and a limiter per chat, plus the 429 bookkeeping.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "ChatLimiter",
    "FloodControl",
    "FloodLimits",
    "SlidingWindow",
    "TokenBucket",
    "jitter_margin",
]

Clock = Callable[[], float]


class ChatLimiter(Protocol):
    def wait_time(self) -> float | None: ...
    def begin(self) -> object: ...
    def end(self) -> None: ...
    def block(self, seconds: float) -> None: ...
    def idle(self) -> bool: ...
    def room(self) -> int: ...


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

    def room(self) -> int:
        """How many messages may start now, one after another, without waiting."""
        now = self._refill()
        return 0 if now < self.blocked_until else math.floor(self.tokens)


@dataclass
class SlidingWindow:
    """At most `limit` messages in any `span` seconds, each counted from the moment it starts.

    A message counts from `begin()` for `span + margin` seconds: Telegram counts it when the
    request arrives, somewhere after we sent it, and `margin` covers how much that moment
    varies (network jitter). With `pace`, grants are also spread evenly (one every
    `span / limit` seconds on average, never closer than half that) instead of leaving in
    bursts; with `max_in_flight`, at most that
    many messages wait for their answer at once (so a crash re-sends at most that many).

    A message answered later than the margin allows for (a stall on the way, or in
    Telegram) may have been counted there that much later: `end()` moves its count along
    by the excess, and a message still unanswered keeps counting however long it takes.

    `allowance` is the limit in force: a global 429 halves it (the configured limit was
    more than Telegram grants) and it grows back by `recovery` messages a second.
    """

    limit: int
    span: float = 1.0
    clock: Clock = time.monotonic
    recovery: float = 0.1
    margin: float = 0.0
    pace: bool = False
    max_in_flight: int | None = None
    fastest: float = 0.0  # the quickest round trip seen: what every message takes at least
    in_flight: int = 0
    blocked_until: float = 0.0
    started: deque[float] = field(default_factory=deque)
    flying: list[float] = field(default_factory=list)  # starts of the messages in flight
    next_start: float = -math.inf  # when the next grant is due, if they went evenly
    allowance: float = field(init=False)
    adjusted: float = field(init=False)

    def __post_init__(self) -> None:
        self.allowance = float(self.limit)
        self.adjusted = self.clock()

    def _now(self) -> float:
        now = self.clock()
        self.allowance = min(self.limit, self.allowance + (now - self.adjusted) * self.recovery)
        self.adjusted = now
        while self.started and self.started[0] <= now - self.span - self.margin:
            self.started.popleft()
        return now

    def wait_time(self) -> float | None:
        """Seconds until a message may start; None when only an answer can free a place."""
        now = self._now()
        if now < self.blocked_until:
            return self.blocked_until - now
        if self.max_in_flight is not None and self.in_flight >= self.max_in_flight:
            return None
        room = max(1, math.floor(self.allowance))
        # In flight for longer than the window: no longer in `started`, but still counting.
        room -= sum(1 for start in self.flying if start not in self.started)
        if room <= 0:
            return None
        wait = 0.0
        if len(self.started) >= room:
            oldest_counted = self.started[len(self.started) - room]
            wait = oldest_counted + self.span + self.margin - now
        if self.pace:  # at most half a spacing early, so a late grant is made up for
            wait = max(wait, self.next_start - self._spacing() / 2 - now)
        return max(0.0, wait)

    def _spacing(self) -> float:
        return self.span / max(1.0, self.allowance)

    def begin(self) -> float:
        """A message starts now: it counts from this moment (returned, for `resumed`)."""
        now = self._now()
        self.in_flight += 1
        self.started.append(now)
        self.flying.append(now)
        self.next_start = max(self.next_start, now) + self._spacing()
        return now

    def resumed(self, granted_at: float) -> float:
        """The message granted at `granted_at` really starts now: count it from now.

        A grant wakes its sender, which runs only when the event loop gets to it; the
        message reaches Telegram after that, so counting from the grant could end its count
        too early. Later is always safe. Returns the start to hand to `end()`.
        """
        now = self._now()
        if now <= granted_at:
            return granted_at
        self._move(granted_at, now)
        return now

    def end(self, start: float | None = None) -> None:
        """Its answer came back: it no longer holds a place in flight (it still counts).

        With `start` (what `begin`/`resumed` returned), a round trip slower than the
        quickest by more than the margin moves the message's count later by the excess:
        Telegram may have counted it as late as that.
        """
        self.in_flight = max(0, self.in_flight - 1)
        if start is None:  # not told which: the oldest
            del self.flying[:1]
            return
        with contextlib.suppress(ValueError):
            self.flying.remove(start)
        excess = (self._now() - start) - self.fastest - self.margin
        if excess > 0:
            self._move(start, start + excess)

    def cancel(self, start: float | None = None) -> None:
        """A place was granted but nothing was sent (it keeps counting, to be safe)."""
        self.in_flight = max(0, self.in_flight - 1)
        if start is None:
            del self.flying[:1]
        else:
            with contextlib.suppress(ValueError):
                self.flying.remove(start)

    def _move(self, start: float, later: float) -> None:
        """Count the message that started at `start` from `later` instead."""
        if start in self.flying:
            self.flying[self.flying.index(start)] = later
        with contextlib.suppress(ValueError):
            self.started.remove(start)
        if later > self._now() - self.span - self.margin:
            bisect.insort(self.started, later)

    def block(self, seconds: float) -> None:
        now = self._now()
        self.blocked_until = max(self.blocked_until, now + seconds)

    def slow_down(self) -> None:
        self._now()
        self.allowance = max(1.0, self.allowance / 2)

    def idle(self) -> bool:
        return self.in_flight == 0 and not self.started and self.wait_time() == 0

    def room(self) -> int:
        """How many messages may start now without waiting (pace and in-flight cap aside)."""
        now = self._now()
        return (
            0
            if now < self.blocked_until
            else max(0, math.floor(self.allowance) - len(self.started))
        )


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
