"""Flood limits under a hand-driven clock: buckets, windows and the 429 bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.app import build_application
from alertbot.config import SettingsError, load_settings
from alertbot.delivery.limits import (
    ChatLimiter,
    FloodControl,
    FloodLimits,
    SlidingWindow,
    TokenBucket,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def send(limiter: ChatLimiter, clock: Clock, latency: float = 0.0) -> None:
    limiter.begin()
    clock.now += latency
    limiter.end()


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, capacity=3.0, clock=clock)
    for _ in range(3):
        assert bucket.wait_time() == 0
        send(bucket, clock)
    assert bucket.wait_time() == 1.0
    clock.now = 1.0
    assert bucket.wait_time() == 0


def test_bucket_does_not_refill_while_a_message_is_in_flight() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, capacity=1.0, clock=clock)
    send(bucket, clock, latency=0.8)  # Telegram may have counted it as late as 0.8
    assert bucket.wait_time() == 1.0  # a full second from the answer, not from the start


def test_block_holds_the_bucket_for_retry_after() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=30.0, capacity=30.0, clock=clock)
    bucket.block(5)
    clock.now = 4.0
    assert bucket.wait_time() == 1.0
    clock.now = 5.5
    assert bucket.wait_time() == 0


def test_window_counts_each_message_until_a_span_after_its_answer() -> None:
    clock = Clock()
    window = SlidingWindow(limit=3, span=1.0, clock=clock)
    for _ in range(3):
        assert window.wait_time() == 0
        send(window, clock, latency=0.1)  # answers at 0.1, 0.2, 0.3
    assert window.wait_time() == 0.1 + 1.0 - 0.3
    clock.now = 1.1
    assert window.wait_time() == 0


def test_window_full_of_unanswered_messages_waits_for_an_answer() -> None:
    clock = Clock()
    window = SlidingWindow(limit=2, span=1.0, clock=clock)
    window.begin()
    window.begin()
    assert window.wait_time() is None
    window.end()
    assert window.wait_time() == 1.0
    window.cancel()  # granted but never sent: frees its place at once
    clock.now = 1.0
    assert window.wait_time() == 0


def test_private_chats_and_groups_get_their_own_limits() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(group_per_minute=2), clock)
    for _ in range(2):
        send(flood.chat(-100), clock)
    assert flood.chat_wait(-100) == 60.0  # 2 a minute
    send(flood.chat(5), clock)
    assert flood.chat_wait(5) == 0  # private chats may burst a little
    assert flood.chat_wait(6) == 0  # a chat never seen is ready


def test_one_chat_refused_waits_alone_several_mean_everyone_waits() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(overall_per_second=30), clock)
    assert flood.retry_after(1, 5) is False
    assert flood.chat_wait(1) == 5 and flood.chat_wait(2) == 0
    assert flood.overall.wait_time() == 0
    clock.now = 0.5
    assert flood.retry_after(2, 7) is True  # a second chat within a second: global
    assert flood.overall.wait_time() == 7
    assert flood.overall.allowance == 15  # and the pace is halved ...
    assert flood.retry_after(3, 7) is True  # the rest of the same burst halves no further
    assert flood.overall.allowance == 15
    clock.now = 7.5 + 150.0
    assert flood.overall.wait_time() == 0
    assert flood.overall.allowance == 30  # ... then grows back


def test_refusals_far_apart_are_not_global() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(), clock)
    for chat in (1, 2, 3):
        assert flood.retry_after(chat, 1) is False
        clock.now += 2
    assert flood.overall.allowance == 30


def test_the_limits_are_settings_and_the_bot_uses_them(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "ALERTBOT_DB": str(tmp_path / "a.db"),
            "ALERTBOT_MAX_MESSAGES_PER_SECOND": "20",
            "ALERTBOT_MAX_PER_CHAT_PER_SECOND": "0.5",
            "ALERTBOT_MAX_PER_GROUP_PER_MINUTE": "10",
        },
        config_dir=tmp_path,
    )
    throttle = build_application(settings).bot_data.throttle
    assert throttle.flood.limits == FloodLimits(
        overall_per_second=20, private_per_second=0.5, group_per_minute=10
    )
    with pytest.raises(SettingsError, match="ALERTBOT_MAX_MESSAGES_PER_SECOND"):
        load_settings({"ALERTBOT_MAX_MESSAGES_PER_SECOND": "fast"}, config_dir=tmp_path)
    with pytest.raises(SettingsError, match="ALERTBOT_MAX_PER_CHAT_PER_SECOND"):
        load_settings({"ALERTBOT_MAX_PER_CHAT_PER_SECOND": "0"}, config_dir=tmp_path)
