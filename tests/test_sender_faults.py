"""The sender against a fake Bot API that answers 429, 5xx, 400, 403, hangs and migrations.

Each fault is confined to the chat it concerns: every other chat gets its alert once.
"""

from __future__ import annotations

from pathlib import Path

from alertbot.devtools.fake_bot_api import FloodLimits as FakeLimits
from alertbot.devtools.fake_bot_api import text_of

from .delivery_rig import sender_rig

OTHERS = [201, 202, 203, 204]


async def test_a_chat_over_its_limit_waits_retry_after_and_gets_everything_once(
    tmp_path: Path,
) -> None:
    # Telegram is stricter than the sender thinks: chat 100 may burst 1, not 3.
    async with sender_rig(tmp_path, fake_limits=FakeLimits(private_burst=1)) as rig:
        stories = [rig.story(n) for n in (1, 2, 3)]
        for story in stories:
            rig.alert([100], story)
        rig.alert(OTHERS, stories[0])
        await rig.settled()
        delivered = rig.delivered()
        assert all(delivered[(100, s.link)] == 1 for s in stories)
        assert all(delivered[(c, stories[0].link)] == 1 for c in OTHERS)
        assert rig.api.count_429 >= 1
        # The refused chat waited alone: the others were not queued behind it.
        order = [m.chat_id for m in rig.api.messages()]
        assert max(order.index(c) for c in OTHERS) < len(order) - 1
        assert order[-1] == 100


async def test_many_chats_refused_at_once_make_everyone_wait_and_slow_down(
    tmp_path: Path,
) -> None:
    # The operator set 30/s, but this Bot API grants 5/s overall.
    async with sender_rig(tmp_path, fake_limits=FakeLimits(per_second=5)) as rig:
        story = rig.story(1)
        chats = list(range(1, 13))
        rig.alert(chats, story)
        await rig.settled(timeout=40)
        assert all(rig.delivered()[(c, story.link)] == 1 for c in chats)
        assert rig.sender.throttle.flood.overall.allowance < 30  # it slowed down
        refused = rig.api.count_429
        assert refused > 0
        # Once slowed down, the next fan-out goes through without a storm.
        second = rig.story(2)
        rig.alert(chats, second)
        await rig.settled(timeout=40)
        assert all(rig.delivered()[(c, second.link)] == 1 for c in chats)
        assert rig.api.count_429 - refused <= 3


async def test_server_errors_are_retried_with_back_off(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None) as rig:
        rig.api.fail_next(2, 502)
        story = rig.story(1)
        rig.alert([100], story)
        await rig.settled()
        assert rig.delivered()[(100, story.link)] == 1
        assert rig.api.requests_by_method["sendMessage"] == 3
        stats = rig.store.stats()
        assert stats["alerts_sent"] == 1 and stats["alerts_failed"] == 0


async def test_an_alert_failing_until_it_is_no_longer_news_expires_and_is_counted_apart(
    tmp_path: Path,
) -> None:
    async with sender_rig(tmp_path, fake_limits=None, alert_expiry=0.3) as rig:
        rig.api.outage()
        rig.alert([100], rig.story(1))
        await rig.settled()
        rig.api.outage(False)
        assert rig.api.messages(100) == []
        stats = rig.store.stats()
        assert stats["alerts_expired"] == 1 and stats["alerts_failed"] == 0
        # The chat itself is fine: the next alert goes.
        story = rig.story(2)
        rig.alert([100], story)
        await rig.settled()
        assert rig.delivered()[(100, story.link)] == 1


async def test_a_hanging_request_holds_up_nobody(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None, send_timeout=0.5) as rig:
        rig.api.hang_next(1, 60)  # the first message never gets an answer
        story = rig.story(1)
        chats = [100, *OTHERS]
        rig.alert(chats, story)
        # Everyone gets the alert once, the hung chat by a retry, long before the hang ends.
        await rig.settled(timeout=15)
        assert all(rig.delivered()[(c, story.link)] == 1 for c in chats)
        assert rig.api.requests_by_method["sendMessage"] == len(chats) + 1


async def test_a_message_telegram_refuses_is_failed_and_the_chat_goes_on(
    tmp_path: Path,
) -> None:
    async with sender_rig(tmp_path, fake_limits=None) as rig:
        rig.api.fail_next(1, 400)
        first, second = rig.story(1), rig.story(2)
        rig.alert([100], first)
        await rig.settled()
        rig.alert([100], second)
        await rig.settled()
        assert rig.delivered()[(100, first.link)] == 0
        assert rig.delivered()[(100, second.link)] == 1
        assert rig.store.stats()["alerts_failed"] == 1


async def test_a_chat_that_blocked_the_bot_gets_nothing_until_it_writes_again(
    tmp_path: Path,
) -> None:
    async with sender_rig(tmp_path, fake_limits=None) as rig:
        rig.api.block(100)
        first, second = rig.story(1), rig.story(2)
        rig.alert([100, 201], first)
        rig.alert([100], second)
        await rig.settled()
        assert rig.api.messages(100) == []
        assert rig.delivered()[(201, first.link)] == 1
        chat = rig.store.get_chat(100)
        assert chat is not None and not chat.active
        assert rig.store.stats()["alerts_failed"] == 2
        assert rig.alert([100], rig.story(3)) == 0  # nothing more is even queued
        # The user unblocks the bot and writes to it: alerts flow again.
        rig.api.unblock(100)
        rig.store.touch_chat(100, "private")
        fourth = rig.story(4)
        rig.alert([100], fourth)
        await rig.api.wait_for_messages(100, 1)
        assert [m.chat_id for m in rig.api.messages(100)] == [100]
        assert rig.delivered()[(100, fourth.link)] == 1


async def test_a_chat_that_no_longer_exists_is_marked_inactive(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None) as rig:
        rig.api.forget(-300)
        story = rig.story(1)
        rig.alert([-300, 201], story)
        await rig.settled()
        chat = rig.store.get_chat(-300)
        assert chat is not None and not chat.active
        assert rig.delivered()[(201, story.link)] == 1


async def test_a_group_that_became_a_supergroup_keeps_its_topics_and_gets_the_alert(
    tmp_path: Path,
) -> None:
    moves: list[tuple[list[int], int]] = []
    async with sender_rig(
        tmp_path, fake_limits=None, on_chat_moved=lambda ids, new: moves.append((list(ids), new))
    ) as rig:
        rig.store.touch_chat(-5, "group", "Team")
        sub, _ = rig.store.subscribe(-5, "Armenia", "armenia")
        rig.api.migrate(-5, -1005)
        story = rig.story(1)
        rig.alert([-5], story, topic="Armenia")
        [message] = await rig.api.wait_for_messages(-1005, 1)
        assert "Armenia" in text_of(message)
        assert [s.topic for s in rig.store.chat_subscriptions(-1005)] == ["Armenia"]
        assert rig.store.chat_subscriptions(-5) == []
        assert moves == [([sub.id], -1005)]
        await rig.settled()
        assert rig.store.stats()["alerts_sent"] == 1
