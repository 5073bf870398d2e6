"""/mute and /unmute: nothing arrives while muted, then what matched comes as one digest."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, links_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem, rss_document
from alertbot.store import Store
from alertbot.telegram.mute import DurationError, describe_duration, parse_duration

from .delivery_rig import sender_rig
from .helpers import ADMIN, bot_running, polls_of, say

READER = 500
T0 = datetime(2020, 10, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("30m", 30),
        ("2h", 120),
        ("1d", 1440),
        ("1w", 10080),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("2 hours", 120),
        ("1.5h", 90),
        ("45 min", 45),
        ("3 days", 4320),
        (" 2H ", 120),
    ],
)
def test_durations_people_type(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2", "not a duration"),
        ("soon", "not a duration"),
        ("2x", "unknown unit"),
        ("-1h", "not a duration"),
        ("0m", "shortest mute"),
        ("30s", "unknown unit"),
        ("400d", "longest mute"),
        ("2h please", "not a duration"),
    ],
)
def test_durations_that_are_refused_say_why(text: str, reason: str) -> None:
    with pytest.raises(DurationError, match=reason):
        parse_duration(text)


def test_durations_read_back() -> None:
    assert describe_duration(timedelta(minutes=30)) == "30 min"
    assert describe_duration(timedelta(hours=2)) == "2 h"
    assert describe_duration(timedelta(days=1, hours=6)) == "1 day 6 h"
    assert describe_duration(timedelta(weeks=1)) == "7 days"


def story(n: int, title: str) -> RssItem:
    return RssItem(
        guid=f"m-{n}",
        title=title,
        link=f"https://news.example/mute/{n}",
        html="<p>Kabar dari Nagorno-Karabakh.</p>",
        published=T0 + timedelta(minutes=n),
    )


async def test_muted_chat_gets_nothing_then_one_digest_on_unmute(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/news.xml", rss_document([story(0, "Berita lama Nagorno-Karabakh")]))
    async with bot_running(settings):
        assert "Usage: /mute <duration>" in await say(fake_api, READER, "/mute")
        assert "not a duration" in await say(fake_api, READER, "/mute later")
        assert "not muted" in await say(fake_api, READER, "/unmute")
        assert "Following" in await say(fake_api, READER, "/subscribe Nagorno-Karabakh")
        assert "Added feed" in await say(
            fake_api, ADMIN, f"/addfeed {feed_server.url('/news.xml')}"
        )
        muted = await say(fake_api, READER, "/mute 2h")
        assert "muted for 2 h, until" in muted and "one digest" in muted

        fresh = [
            story(1, "Gencatan senjata di Nagorno-Karabakh dilanggar lagi"),
            story(2, "Pengungsi Nagorno-Karabakh tiba di Yerevan"),
        ]
        feed_server.set("/news.xml", rss_document([*fresh, story(0, "Berita lama")]))
        await polls_of(feed_server, "/news.xml", 3)
        # A poll's stories are queued after its fetch ends: wait for the two held alerts.
        store = Store.open(settings.db_path)
        deadline = time.monotonic() + 20
        while store.pending_count(READER) < 2:
            assert time.monotonic() < deadline, "the two alerts were never queued"
            await asyncio.sleep(0.05)
        store.close()
        before = len(fake_api.messages(READER))
        assert "Alerts muted" in text_of(fake_api.messages(READER)[-1])  # nothing since

        resumed = await say(fake_api, READER, "/unmute")
        assert "2 alerts that waited come now as one digest" in resumed
        [digest] = (await fake_api.wait_for_messages(READER, before + 2))[before + 1 :]
        assert "2 new stories" in text_of(digest) and "muted" in text_of(digest)
        assert links_of(digest) == [s.link for s in fresh]


async def test_alerts_held_by_a_mute_that_ran_out_come_as_one_digest(tmp_path: Path) -> None:
    async with sender_rig(tmp_path, fake_limits=None) as rig:
        rig.store.touch_chat(100, "private")
        rig.store.set_muted_until(100, time.time() + 1.0)
        first, second = rig.story(1), rig.story(2, title="Refugees from Karabakh reach Goris")
        rig.alert([100, 200], first)
        rig.alert([100], second)
        await rig.api.wait_for_messages(200, 1)
        assert rig.api.messages(100) == []
        [digest] = await rig.api.wait_for_messages(100, 1, timeout=10)
        assert links_of(digest) == [first.link, second.link]
        assert "while this chat was muted" in text_of(digest)
        # After the mute, alerts come one by one again.
        third = rig.story(3, title="Ceasefire talks resume in Moscow over Karabakh")
        rig.alert([100], third)
        messages = await rig.api.wait_for_messages(100, 2)
        assert links_of(messages[1]) == [third.link] and "🔔" in text_of(messages[1])
