"""Token buckets under a hand-driven clock."""

from __future__ import annotations

from alertbot.delivery.limits import FloodControl, FloodLimits, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, capacity=3.0, clock=clock)
    for _ in range(3):
        assert bucket.wait_time() == 0
        bucket.take()
    assert bucket.wait_time() == 1.0
    clock.now = 1.0
    assert bucket.wait_time() == 0


def test_block_holds_the_bucket_for_retry_after() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=30.0, capacity=30.0, clock=clock)
    bucket.block(5)
    clock.now = 4.0
    assert bucket.wait_time() == 1.0
    clock.now = 5.5
    assert bucket.wait_time() == 0


def test_private_chats_and_groups_get_their_own_limits() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(group_burst=1), clock)
    flood.chat(-100).take()
    assert flood.chat_wait(-100) == 3.0  # 20 a minute
    flood.chat(5).take()
    assert flood.chat_wait(5) == 0  # private chats may burst a little
