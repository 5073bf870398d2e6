"""One chat's flood never delays another chat's replies, and gets one "slow down" for it;
in groups the bot answers its own commands only. The real Application, the fake Bot API."""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, text_of
from alertbot.telegram.chat_flood import ChatFlood, Verdict

FLOODER = 500
OTHERS = (601, 602, 603)
REPLY_PROMISE = 3.0  # seconds: what the README promises every other chat


def slow_downs(api: FakeBotApi, chat_id: int) -> int:
    return sum("Slow down" in text_of(m) for m in api.messages(chat_id))


async def settled(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    """Every update fetched and handled (or dropped)."""
    await api.wait_for(
        lambda: (
            api.pending_updates == 0
            and app.update_queue.empty()
            and app.update_processor.current_concurrent_updates == 0
        ),
        timeout=30,
        what="every update handled",
    )


async def test_500_commands_from_one_chat_leave_the_others_answered_within_3_s(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    app = build_application(settings)
    async with running(app):
        for _ in range(500):
            fake_api.send_text(FLOODER, "/help")
        for chat in OTHERS:
            fake_api.send_text(chat, "/start")
        # Each of the others is answered within the promise, flood or not.
        await asyncio.gather(
            *(fake_api.wait_for_messages(chat, 1, timeout=REPLY_PROMISE) for chat in OTHERS)
        )
        for chat in OTHERS:
            assert "AlertBot" in text_of(fake_api.messages(chat)[0])
        await fake_api.wait_for(lambda: slow_downs(fake_api, FLOODER) == 1, what="slow down")
        await settled(fake_api, app)
        before = len(fake_api.messages(FLOODER))
        # Still ignored: a later command gets nothing, and other chats still get answers.
        fake_api.send_text(FLOODER, "/topics")
        fake_api.send_text(OTHERS[0], "/topics")
        await fake_api.wait_for_messages(OTHERS[0], 2, timeout=REPLY_PROMISE)
        await settled(fake_api, app)
    flooder = [text_of(m) for m in fake_api.messages(FLOODER)]
    assert slow_downs(fake_api, FLOODER) == 1, flooder
    assert "20 commands in 10 seconds" in flooder[-1]
    assert len(flooder) <= 21  # never more than the limit answered, then silence
    assert len(flooder) == before


async def test_one_chat_is_answered_in_the_order_it_wrote(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with running(build_application(settings)):
        for word in ("alpha", "bravo", "charlie", "delta", "echo"):  # replies wait 1 s each
            fake_api.send_text(42, f"/subscribe {word}")
        replies = await fake_api.wait_for_messages(42, 5, timeout=30)
    words = ("alpha", "bravo", "charlie", "delta", "echo")
    order = [next(w for w in words if w in text_of(m).lower()) for m in replies]
    assert order == list(words)


async def test_in_a_group_only_our_own_commands_are_answered(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    group, member = -1001, 7
    async with running(build_application(settings)):
        fake_api.send_text(group, "/start@otherbot", user_id=member)
        fake_api.send_text(group, "/weather", user_id=member)
        fake_api.send_text(group, f"/help@{fake_api.bot_username}", user_id=member)
        # One chat is handled in order: once /help is answered, the others were seen.
        [answer] = await fake_api.wait_for_messages(group, 1, timeout=15)
        fake_api.send_text(9, "/weather")  # a private chat keeps the helpful answer
        [private] = await fake_api.wait_for_messages(9, 1, timeout=15)
    assert "/subscribe" in text_of(answer)
    assert len(fake_api.messages(group)) == 1
    assert "Unknown command /weather" in text_of(private)


def test_the_flood_limit_counts_a_sliding_window_then_pauses() -> None:
    flood = ChatFlood(limit=3, window=10, pause=60)
    assert [flood.admit(1, t) for t in (0, 1, 2)] == [Verdict.ADMIT] * 3
    assert flood.admit(2, 2.5) is Verdict.ADMIT  # another chat has its own count
    assert flood.admit(1, 3) is Verdict.WARN  # the fourth in 10 s: told once
    assert [flood.admit(1, t) for t in (4, 30, 62.9)] == [Verdict.DROP] * 3
    assert flood.ignored(1, 62.9) and not flood.ignored(2, 62.9)
    assert flood.admit(1, 63) is Verdict.ADMIT  # the pause is over: a fresh count


def test_commands_spread_out_are_never_cut_off() -> None:
    flood = ChatFlood(limit=20, window=10, pause=60)
    assert all(flood.admit(1, t * 0.5) is Verdict.ADMIT for t in range(1000))  # 2 a second


def test_quiet_chats_are_forgotten() -> None:
    flood = ChatFlood(limit=1, window=10, pause=60)
    flood.admit(1, 0)
    assert flood.admit(1, 0) is Verdict.WARN
    for chat in range(2, 2000):  # a crowd that writes once and goes
        flood.admit(chat, 1)
    for i in range(1024):  # much later, one chat keeps writing
        flood.admit(5000, 100 + i * 10)
    assert len(flood) == 1
