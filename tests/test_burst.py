"""Sixty people send /subscribe in the same second, during a big fan-out: all are answered.

The fake Bot API enforces Telegram's own limits here (30/s overall, 1/s per private chat
with bursts of 3) and answers 429 when they are broken.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits, text_of
from alertbot.models import Entry
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert
from alertbot.telegram.services import Services

PEOPLE = range(5000, 5060)
FAN_OUT = range(10_000, 10_300)


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(limits=FloodLimits())
    api.start()
    yield api
    api.stop()


async def test_sixty_simultaneous_commands_are_all_answered_ahead_of_a_fan_out(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    app = build_application(settings)
    async with running(app):
        svc = app.bot_data.services
        assert isinstance(svc, Services)
        feed = svc.store.add_feed("https://news.example/rss", interval=300)
        svc.store.pause_feed(feed.id)  # only the story's source: never polled (not loopback)
        entry = Entry(guid="s1", link="https://news.example/1", title="Karabakh news today")
        (story,) = add_stories(svc.store, feed.id, [entry])
        for chat in FAN_OUT:
            svc.store.touch_chat(chat, "private")
        svc.store.enqueue_alerts(NewAlert(c, story.id, "Karabakh", "") for c in FAN_OUT)
        svc.sender.wake()
        await fake_api.wait_for(lambda: len(fake_api.messages()) >= 30, what="the fan-out")

        for chat in PEOPLE:
            fake_api.send_text(chat, "/subscribe Nagorno-Karabakh")
        await fake_api.wait_for(
            lambda: all(fake_api.messages(c) for c in PEOPLE), timeout=60, what="60 replies"
        )
        # Replies went first: the fan-out was still going when the last one arrived.
        alerts_so_far = sum(1 for m in fake_api.messages() if m.chat_id in FAN_OUT)
        assert alerts_so_far < len(FAN_OUT)
        for chat in PEOPLE:
            [reply] = fake_api.messages(chat)
            assert "Following Nagorno-Karabakh" in text_of(reply)
        assert len(svc.subscriptions) == len(PEOPLE)

        await fake_api.wait_for(
            lambda: svc.store.stats()["alerts_pending"] == 0, timeout=60, what="the fan-out"
        )
        assert all(len(fake_api.messages(c)) == 1 for c in FAN_OUT)
        assert fake_api.count_429 == 0
