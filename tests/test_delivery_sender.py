"""The sender on a good day: Telegram's limits kept, digests, extra sources, replies first."""

from __future__ import annotations

import asyncio
import time
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

from alertbot.delivery.limits import FloodControl, FloodLimits
from alertbot.delivery.throttle import ALERT, REPLY, Throttle
from alertbot.devtools.fake_bot_api import FloodLimits as FakeLimits
from alertbot.devtools.fake_bot_api import links_of, text_of
from alertbot.models import Entry, Story
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert

from .delivery_rig import sender_rig


async def test_a_fan_out_under_telegrams_limits_gets_no_429_and_reaches_everyone_once(
    tmp_path: Path,
) -> None:
    async with sender_rig(tmp_path, fake_limits=FakeLimits()) as rig:
        story = rig.story(1)
        chats = list(range(1, 91))
        assert rig.alert(chats, story) == 90
        await rig.settled(timeout=30)
        assert rig.api.count_429 == 0
        delivered = rig.delivered()
        assert [delivered[(c, story.link)] for c in chats] == [1] * 90
        assert rig.store.stats()["alerts_sent"] == 90


async def test_more_than_five_or_than_the_chat_may_take_at_once_go_as_one_digest(
    tmp_path: Path,
) -> None:
    async with sender_rig(tmp_path, fake_limits=FakeLimits(), run=False) as rig:
        stories = [rig.story(n) for n in range(1, 8)]
        for story in stories:
            rig.alert([100], story)
        for story in stories[:3]:
            rig.alert([200], story)
        for story in stories[:4]:
            rig.alert([300], story)  # a private chat may take 3 at once: 4 would trickle
        await rig.sender.drain()
        [digest] = rig.api.messages(100)
        assert text_of(digest).startswith("📰 7 new stories for your topics")
        assert links_of(digest) == [s.link for s in stories]
        singles = rig.api.messages(200)
        assert [links_of(m) for m in singles] == [[s.link] for s in stories[:3]]
        assert all(text_of(m).startswith("🔔 Karabakh") for m in singles)
        [four] = rig.api.messages(300)
        assert text_of(four).startswith("📰 4 new stories for your topics")
        assert links_of(four) == [s.link for s in stories[:4]]
        assert rig.store.stats()["alerts_sent"] == 14


async def test_a_huge_digest_is_split_and_a_lost_part_is_not_sent_twice(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None, run=False) as rig:
        long = " ".join(["Nagorno-Karabakh"] * 16)
        stories = [rig.story(n, title=f"{n} {long}") for n in range(1, 41)]
        for story in stories:
            rig.alert([100], story)
        rig.api.fail_next(1, 502)  # the first part is lost; it is retried, then the rest
        await rig.sender.drain()
        await asyncio.sleep(0.3)  # past the back-off
        await rig.sender.drain()
        parts = rig.api.messages(100)
        assert len(parts) > 1 and all(len(m.text) <= 4096 for m in parts)
        delivered = rig.delivered()
        assert [delivered[(100, s.link)] for s in stories] == [1] * 40


async def test_an_alert_names_the_other_feeds_that_carried_the_story(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None, run=False) as rig:
        story = rig.story(1)
        for n, tracking in ((2, "?utm_source=rss"), (3, "#comments")):
            other = rig.store.add_feed(f"https://other{n}.example/rss", interval=300)
            copy = Entry(guid=f"o{n}", link=story.link + tracking, title=story.title)
            assert add_stories(rig.store, other.id, [copy]) == []
        rig.alert([100], story)
        await rig.sender.drain()
        [alert] = rig.api.messages(100)
        assert "Test News · " in text_of(alert) and "+2 sources" in text_of(alert)


async def test_replies_go_ahead_of_queued_alerts() -> None:
    throttle = Throttle(FloodControl(FloodLimits(overall_per_second=2)))
    order: list[str] = []

    async def send(name: str, chat: int, priority: int) -> None:
        async with throttle.slot(chat, priority=priority):
            order.append(name)

    alerts = [asyncio.create_task(send(f"alert {n}", n, ALERT)) for n in range(1, 6)]
    while len(order) < 2:  # two alerts went (half a second apart), three wait their turn
        await asyncio.sleep(0.01)
    reply = asyncio.create_task(send("reply", 99, REPLY))
    await asyncio.gather(*alerts, reply)
    assert order[:3] == ["alert 1", "alert 2", "reply"]


async def test_digests_by_plan_quiet_hours_and_link_previews(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None, run=False) as rig:
        now = time.time()
        hour = datetime.fromtimestamp(now, UTC).hour
        stories = [rig.story(n) for n in range(1, 4)]

        def queued(chat: int, story: Story, ago: float) -> None:
            rig.store.touch_chat(chat, "private")
            rig.store.enqueue_alerts([NewAlert(chat, story.id, "Karabakh", "why")], now=now - ago)

        rig.store.set_chat_preferences(100, delivery="hourly")
        queued(100, stories[0], 7200)  # its hour is over: a digest of one
        rig.store.set_chat_preferences(200, delivery="daily", daily_hour=(hour + 2) % 24)
        queued(200, stories[0], 60)  # waits for the daily slot, two hours from now
        rig.store.set_chat_preferences(300, quiet_start=(hour - 3) % 24, quiet_end=(hour - 1) % 24)
        queued(300, stories[0], 9000)  # queued during quiet hours that are now over
        queued(300, stories[1], 8900)
        rig.store.set_chat_preferences(400, previews=True)
        queued(400, stories[2], 0)
        await rig.sender.drain()

        [hourly] = rig.api.messages(100)
        assert text_of(hourly).startswith("📰 1 new story for your topics\nyour hourly digest")
        assert rig.api.messages(200) == [] and rig.store.chat_due_alerts(200) == []
        assert rig.store.pending_count(200) == 1  # held, not dropped, and no try counted
        [quiet] = rig.api.messages(300)
        assert "2 new stories for your topics\nduring this chat's quiet hours" in text_of(quiet)
        [single] = rig.api.messages(400)
        assert links_of(single) == [stories[2].link] and not single.disable_web_page_preview
        assert all(m.disable_web_page_preview for m in rig.api.messages() if m.chat_id != 400)

        # A new plan looks at the held alert again: at once, now.
        rig.store.set_chat_preferences(200, delivery="now")
        rig.store.release_chat(200)
        await rig.sender.drain()
        [now_alert] = rig.api.messages(200)
        assert text_of(now_alert).startswith("🔔 Karabakh")


async def test_an_hourly_and_a_daily_digest_go_at_their_local_hour_by_the_clock_handed_in(
    tmp_path: Path,
) -> None:
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    clock = [datetime(2026, 12, 3, 6, 40, tzinfo=jakarta).timestamp()]
    async with sender_rig(tmp_path, fake_limits=None, run=False, clock=lambda: clock[0]) as rig:
        stories = [rig.story(n) for n in range(1, 4)]
        for chat, plan in (
            (100, {"delivery": "hourly"}),
            (200, {"delivery": "daily", "daily_hour": 7}),
        ):
            rig.store.touch_chat(chat, "private")
            rig.store.set_chat_preferences(chat, timezone="Asia/Jakarta", **plan)
            for ago, story in zip((600, 300), stories[:2], strict=True):
                rig.store.enqueue_alerts(
                    [NewAlert(chat, story.id, "Karabakh", "why")], now=clock[0] - ago
                )
        await rig.sender.drain()
        assert rig.api.messages() == []  # 06:40 in Jakarta: both wait

        clock[0] = datetime(2026, 12, 3, 7, 0, 1, tzinfo=jakarta).timestamp()
        await rig.sender.drain()
        [hourly] = rig.api.messages(100)
        [daily] = rig.api.messages(200)
        assert text_of(hourly).startswith("📰 2 new stories for your topics\nyour hourly digest")
        assert text_of(daily).startswith("📰 2 new stories for your topics\nyour daily digest")

        # A story at 07:05 waits for 08:00 (hourly) and for tomorrow's 07:00 (daily).
        rig.store.enqueue_alerts(
            [NewAlert(c, stories[2].id, "Karabakh", "why") for c in (100, 200)],
            now=clock[0] + 300,
        )
        clock[0] = datetime(2026, 12, 3, 7, 59, tzinfo=jakarta).timestamp()
        await rig.sender.drain()
        assert len(rig.api.messages()) == 2
        clock[0] = datetime(2026, 12, 3, 8, 0, 1, tzinfo=jakarta).timestamp()
        await rig.sender.drain()
        assert len(rig.api.messages(100)) == 2 and len(rig.api.messages(200)) == 1
        clock[0] = datetime(2026, 12, 4, 7, 0, 1, tzinfo=jakarta).timestamp()  # 24 h on: still news
        await rig.sender.drain()
        assert len(rig.api.messages(200)) == 2
        assert rig.store.stats()["alerts_sent"] == 6
