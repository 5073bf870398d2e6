"""When to try an alert again after a 5xx, a timeout or a network error; pure.

Capped exponential back-off with jitter, for as long as the alert is still news: an outage
of minutes or hours loses nothing, and a day-old alert is not sent at all.
"""

from __future__ import annotations

__all__ = ["next_try"]


def next_try(
    attempts: int,
    *,
    now: float,
    created: float,
    expiry: float,
    base: float,
    cap: float,
    rand: float,
) -> float | None:
    """When to try again after `attempts` failed tries; None once the alert is no news.

    The wait doubles from `base` up to `cap`, and `rand` (0 to 1) draws it between half and
    all of that, so chats refused together do not all come back at the same moment. The
    last try is at the expiry itself.
    """
    deadline = created + expiry
    if now >= deadline:
        return None
    wait = min(cap, base * 2.0 ** max(0, attempts - 1))
    return min(deadline, now + wait * (0.5 + rand / 2))
