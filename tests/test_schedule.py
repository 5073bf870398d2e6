"""Next-poll arithmetic: intervals, server hints within bounds, capped back-off."""

from __future__ import annotations

import itertools
import random

import pytest

from alertbot.refresh.schedule import MAX_BACKOFF, next_poll_after_failure, next_poll_after_success


@pytest.mark.parametrize(
    ("interval", "max_age", "ttl", "expected"),
    [
        (300, None, None, 300),
        (300, 60, None, 300),  # a shorter max-age never polls faster than asked
        (300, 900, None, 900),
        (300, None, 60, 3600),  # RSS <ttl> is minutes
        (300, 10**9, None, 86400),  # bounded at a day
    ],
)
def test_success_waits_the_interval_or_the_servers_hint(
    interval: int, max_age: int | None, ttl: int | None, expected: int
) -> None:
    assert next_poll_after_success(1000.0, interval, max_age=max_age, ttl_minutes=ttl) == (
        1000.0 + expected
    )


def test_failure_backs_off_exponentially_up_to_six_hours() -> None:
    rng = random.Random(1)
    waits = [next_poll_after_failure(0.0, 60, n, rng=rng) for n in range(1, 20)]
    assert 60 <= waits[0] <= 66
    assert 120 <= waits[1] <= 132
    assert all(b >= a * 0.9 for a, b in itertools.pairwise(waits))
    assert max(waits) <= MAX_BACKOFF * 1.1


def test_failure_honours_retry_after() -> None:
    assert next_poll_after_failure(0.0, 60, 1, retry_after=600, rng=random.Random(1)) == 600
