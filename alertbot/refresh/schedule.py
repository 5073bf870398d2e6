"""When to poll a feed next: pure arithmetic over intervals, server hints and failures."""

from __future__ import annotations

import random

__all__ = ["MAX_BACKOFF", "MAX_HINT", "next_poll_after_failure", "next_poll_after_success"]

MAX_BACKOFF = 6 * 3600.0  # a failing feed is still tried four times a day
MAX_HINT = 24 * 3600.0  # a server cannot push its next poll further than a day


def next_poll_after_success(
    now: float,
    interval: float,
    *,
    max_age: float | None = None,
    ttl_minutes: int | None = None,
) -> float:
    """Wait the feed's interval, or longer when the server says its content keeps longer."""
    hints = [h for h in (max_age, ttl_minutes * 60 if ttl_minutes else None) if h]
    wait = float(max([interval, *hints]))
    return now + min(wait, max(interval, MAX_HINT))


def next_poll_after_failure(
    now: float,
    interval: float,
    errors_in_row: int,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Exponential back-off from the interval, capped at 6 hours, with a little jitter.

    `errors_in_row` counts this failure too (1 after the first). A server's Retry-After
    is honoured when it asks for longer, within the same cap.
    """
    rng = rng or random.Random()
    backoff: float = min(interval * 2.0 ** max(errors_in_row - 1, 0), MAX_BACKOFF)
    backoff *= 1 + rng.uniform(0, 0.1)
    if retry_after:
        backoff = max(backoff, min(retry_after, MAX_BACKOFF))
    return now + min(backoff, MAX_BACKOFF * 1.1)
