"""Counting windows for Telegram's flood limits, with the clock handed in (tests never sleep).

Telegram counts a message when the request reaches it: after we sent it, by a delay that
varies. The windows count each message from the moment it is sent, for the window's span
plus a margin for that variation, so what we count in any window is never less than what
Telegram counts (limits.py sets them up for Telegram's limits).

- `SlidingWindow`: at most `limit` messages in any `span` seconds (all chats; one group).
- `TokenBucket`: `rate` a second with bursts of `capacity` (one private chat).
"""

from __future__ import annotations

import bisect
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["CATCH_UP", "ChatLimiter", "Clock", "SlidingWindow", "TokenBucket"]

CATCH_UP = 3  # spacings of held-back grants a paced window makes up for afterwards

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
    bursts; grants held back (by the in-flight cap, a slow event loop) are made up for, up
    to `CATCH_UP` spacings, at that closer gap. With `max_in_flight`, at most that many
    messages wait for their answer at once (so a crash re-sends at most that many).

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
    last_start: float = -math.inf
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
        if self.pace:  # at most half a spacing early, and never closer than that
            half = self._spacing() / 2
            wait = max(wait, self.next_start - half - now, self.last_start + half - now)
        return max(0.0, wait)

    def _spacing(self) -> float:
        return self.span / max(1.0, self.allowance)

    def begin(self) -> float:
        """A message starts now: it counts from this moment (returned, for `resumed`)."""
        now = self._now()
        self.in_flight += 1
        self.started.append(now)
        self.flying.append(now)
        spacing = self._spacing()
        if self.next_start == -math.inf:
            self.next_start = now  # nothing owed before the first
        # Grants held back are owed, up to CATCH_UP spacings: a stall of the in-flight cap
        # (five slow answers in a row) would otherwise cost the pace for good.
        self.next_start = max(self.next_start, now - CATCH_UP * spacing) + spacing
        self.last_start = now
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
