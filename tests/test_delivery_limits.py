"""Flood limits under a hand-driven clock: buckets, windows and the 429 bookkeeping."""

from __future__ import annotations

import itertools
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import RetryAfter

from alertbot.app import build_application
from alertbot.config import SettingsError, load_settings
from alertbot.delivery.limits import (
    MAX_MARGIN,
    MIN_MARGIN,
    FloodControl,
    FloodLimits,
    jitter_margin,
)
from alertbot.delivery.retry import next_try
from alertbot.delivery.throttle import retry_seconds
from alertbot.delivery.windows import CATCH_UP, ChatLimiter, SlidingWindow, TokenBucket


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


def test_window_counts_each_message_from_its_start_plus_the_margin() -> None:
    clock = Clock()
    window = SlidingWindow(limit=3, span=1.0, clock=clock, margin=0.05)
    for _ in range(3):
        assert window.wait_time() == 0
        send(window, clock, latency=0.1)  # started at 0, 0.1, 0.2; answered 0.1 later
    # The first counts until 0 + 1 + 0.05, whenever its answer came.
    assert window.wait_time() == pytest.approx(1.05 - 0.3)
    clock.now = 1.05
    assert window.wait_time() == 0


def test_paced_window_spreads_grants_evenly_instead_of_a_burst() -> None:
    clock = Clock()
    window = SlidingWindow(limit=30, span=1.0, clock=clock, margin=0.02, pace=True)
    starts = []
    while len(starts) < 61:
        wait = window.wait_time()
        assert wait is not None
        clock.now += wait
        starts.append(clock.now)
        send(window, clock)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / 60 - 1e-9  # never two at once
    assert gaps[1:29] == pytest.approx([1 / 30] * 28)  # evenly spaced
    # 30 in any window of 1 s + margin, so about 29.4 a second, never more.
    assert all(b - a >= 1.02 - 1e-9 for a, b in zip(starts, starts[30:], strict=False))
    assert starts[60] - starts[0] == pytest.approx(2 * 1.02)


def test_grants_held_back_by_the_in_flight_cap_are_made_up_for_at_half_spacing() -> None:
    clock = Clock()
    spacing = 1 / 30
    window = SlidingWindow(limit=30, span=1.0, clock=clock, pace=True, max_in_flight=1)
    window.begin()
    clock.now = 0.2  # one slow answer held every grant back for six spacings
    assert window.wait_time() is None
    window.end()
    starts = []
    for _ in range(16):
        wait = window.wait_time()
        assert wait is not None
        clock.now += wait
        starts.append(clock.now)
        window.begin()
        window.end()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= spacing / 2 - 1e-9  # never closer than half a spacing
    assert gaps[-4:] == pytest.approx([spacing] * 4)  # then the pace again
    # Against restarting the pace from the stall, CATCH_UP spacings (and at most one more)
    # are made up for, half a spacing at a time.
    made_up = 15 * spacing - (starts[-1] - starts[0])
    assert CATCH_UP * spacing - 1e-9 <= made_up <= (CATCH_UP + 1) * spacing


def test_a_late_grant_is_made_up_for_by_the_next_one() -> None:
    clock = Clock()
    window = SlidingWindow(limit=30, span=1.0, clock=clock, pace=True)
    send(window, clock)
    assert window.wait_time() == pytest.approx(1 / 60)  # may go half a spacing early
    clock.now = 1 / 60 + 0.012  # the event loop was 12 ms late for the second grant
    assert window.wait_time() == 0
    send(window, clock)
    # The third is due as if the second had been on time: nothing is lost.
    assert window.wait_time() == pytest.approx(2 / 30 - 1 / 60 - clock.now)


def test_at_most_max_in_flight_wait_for_their_answer() -> None:
    clock = Clock()
    window = SlidingWindow(limit=30, span=1.0, clock=clock, max_in_flight=2)
    window.begin()
    window.begin()
    assert window.wait_time() is None  # only an answer frees a place
    window.end()
    assert window.wait_time() == 0
    window.begin()
    window.cancel()  # granted but never sent: no longer in flight
    assert window.wait_time() == 0


def test_a_late_answer_moves_the_count_to_when_telegram_may_have_counted_it() -> None:
    clock = Clock()
    window = SlidingWindow(limit=1, span=1.0, clock=clock, margin=0.03, fastest=0.01)
    start = window.begin()
    clock.now = 0.9  # answered after 0.9 s: it may have reached Telegram at 0.86
    window.end(start)
    clock.now = 1.1  # counted from the start, it would have run out at 1.03
    assert window.wait_time() == pytest.approx(0.86 + 1.03 - 1.1)


def test_an_answer_on_time_counts_from_the_start() -> None:
    clock = Clock()
    window = SlidingWindow(limit=1, span=1.0, clock=clock, margin=0.03, fastest=0.01)
    start = window.begin()
    clock.now = 0.035  # within the quickest round trip plus the margin
    window.end(start)
    clock.now = 1.1
    assert window.wait_time() == 0


def test_a_message_unanswered_for_longer_than_the_window_still_counts() -> None:
    clock = Clock()
    window = SlidingWindow(limit=1, span=1.0, clock=clock, margin=0.03, fastest=0.01)
    start = window.begin()
    clock.now = 2.0
    assert window.wait_time() is None  # it could still reach Telegram at any moment
    window.end(start)
    assert window.wait_time() == pytest.approx(1.96 + 1.03 - 2.0)  # from 1.96, as above


def test_the_margin_follows_the_jitter_of_round_trips() -> None:
    assert jitter_margin([]) == MAX_MARGIN  # nothing known yet: the most careful
    assert jitter_margin([0.002, 0.003] * 5) == pytest.approx(MIN_MARGIN + 0.0005)  # loopback
    trips = [0.1 + 0.001 * n for n in range(101)]  # 100 to 200 ms
    # Half the spread (the way there), leaving out the slowest 5%: one stall is no rule.
    assert jitter_margin(trips) == pytest.approx(MIN_MARGIN + (0.195 - 0.1) / 2)
    assert jitter_margin([0.1] * 9 + [30.0]) == MAX_MARGIN


def test_flood_control_paces_caps_and_learns_the_margin() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(max_in_flight=5), clock)
    assert flood.overall.pace and flood.overall.max_in_flight == 5
    for n in range(100):
        flood.round_trip(0.1 + 0.001 * n)
    assert flood.overall.margin == pytest.approx(MIN_MARGIN + (0.194 - 0.1) / 2)


@pytest.mark.parametrize(
    ("attempts", "now", "rand", "expected"),
    [
        (1, 100.0, 0.0, 101.0),  # half of the base, 2 s
        (1, 100.0, 1.0, 102.0),  # all of it
        (3, 100.0, 1.0, 108.0),  # doubling
        (20, 100.0, 1.0, 100.0 + 180.0),  # capped at a few minutes
        (20, 86_300.0, 1.0, 86_400.0),  # the last try is at the expiry
        (20, 86_400.0, 0.5, None),  # no longer news
    ],
)
def test_retries_back_off_to_a_cap_until_the_alert_is_no_news(
    attempts: int, now: float, rand: float, expected: float | None
) -> None:
    when = next_try(attempts, now=now, created=0.0, expiry=86_400.0, base=2.0, cap=180.0, rand=rand)
    assert when == expected


def test_private_chats_and_groups_get_their_own_limits() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(group_per_minute=2), clock)
    for _ in range(2):
        send(flood.chat(-100), clock)
    assert flood.chat_wait(-100) == 60.0 + MAX_MARGIN  # 2 a minute
    send(flood.chat(5), clock)
    assert flood.chat_wait(5) == 0  # private chats may burst a little
    assert flood.chat_wait(6) == 0  # a chat never seen is ready


def test_room_says_how_many_a_chat_may_receive_now_without_waiting() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(group_per_minute=20, private_burst=3.0), clock)
    assert flood.chat_room(5) == 3  # a private chat's burst
    send(flood.chat(5), clock)
    assert flood.chat_room(5) == 2
    clock.now += 1.0
    assert flood.chat_room(5) == 3  # refilled, never past the burst
    flood.chat(5).block(4)
    assert flood.chat_room(5) == 0  # told to wait by Telegram
    for _ in range(18):
        send(flood.chat(-100), clock)
    assert flood.chat_room(-100) == 2  # a group's minute
    flood.chat(-100).block(1)
    assert flood.chat_room(-100) == 0


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
            "ALERTBOT_MAX_IN_FLIGHT": "3",
            "ALERTBOT_ALERT_EXPIRY_HOURS": "2",
        },
        config_dir=tmp_path,
    )
    throttle = build_application(settings).bot_data.throttle
    assert throttle.flood.limits == FloodLimits(
        overall_per_second=20, private_per_second=0.5, group_per_minute=10, max_in_flight=3
    )
    assert settings.alert_expiry_hours == 2
    with pytest.raises(SettingsError, match="ALERTBOT_MAX_MESSAGES_PER_SECOND"):
        load_settings({"ALERTBOT_MAX_MESSAGES_PER_SECOND": "fast"}, config_dir=tmp_path)
    with pytest.raises(SettingsError, match="ALERTBOT_MAX_IN_FLIGHT"):
        load_settings({"ALERTBOT_MAX_IN_FLIGHT": "0"}, config_dir=tmp_path)
    with pytest.raises(SettingsError, match="ALERTBOT_MAX_PER_CHAT_PER_SECOND"):
        load_settings({"ALERTBOT_MAX_PER_CHAT_PER_SECOND": "0"}, config_dir=tmp_path)


@pytest.mark.parametrize("ptb_timedelta", ["", "true"])
def test_retry_after_is_read_as_seconds_whether_ptb_gives_int_or_timedelta(
    monkeypatch: pytest.MonkeyPatch, ptb_timedelta: str
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", ptb_timedelta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB's own constructor warns about its int
        refusals = RetryAfter(7), RetryAfter(timedelta(seconds=2.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading it, as the throttle does, warns of nothing
        assert [retry_seconds(r) for r in refusals] == [7.0, 2.5]
