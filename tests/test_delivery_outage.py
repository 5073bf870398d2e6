"""Telegram unreachable: alerts wait out a 90-second outage, replies a short one.

The fake Bot API's outage switch makes every call answer 502, or drops the connection
without an answer. Nothing is lost and nothing goes twice; nothing is marked failed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, text_of
from alertbot.devtools.fake_bot_api import FloodLimits as FakeLimits

from .conftest import bot_running
from .delivery_rig import sender_rig

CHATS = list(range(400, 420))


@pytest.mark.slow
async def test_a_ninety_second_outage_loses_no_alert(tmp_path: Path) -> None:
    # The real back-off doubles up to 3 minutes between tries; 5 s here keeps the test short.
    async with sender_rig(tmp_path, fake_limits=FakeLimits(), retry_cap=5.0) as rig:
        rig.api.outage()  # 502 Bad Gateway from everything
        story = rig.story(1)
        rig.alert(CHATS, story)
        await asyncio.sleep(45)
        rig.api.outage(drop=True)  # then connections closed without an answer
        await asyncio.sleep(45)
        assert rig.api.messages() == []
        assert rig.store.stats()["alerts_pending"] == len(CHATS)
        rig.api.outage(False)
        await rig.settled(timeout=60)
        assert [rig.delivered()[(c, story.link)] for c in CHATS] == [1] * len(CHATS)
        stats = rig.store.stats()
        assert (stats["alerts_sent"], stats["alerts_failed"], stats["alerts_expired"]) == (
            len(CHATS),
            0,
            0,
        )


async def test_a_reply_waits_out_a_short_outage(fake_api: FakeBotApi, settings: Settings) -> None:
    async with bot_running(settings):
        fake_api.outage(methods=["sendMessage"])  # updates arrive, answers cannot be sent
        fake_api.send_text(42, "/topics")
        await fake_api.wait_for(
            lambda: fake_api.requests_by_method.get("sendMessage", 0) >= 2,
            what="the reply tried during the outage",
        )
        fake_api.outage(False)
        [reply] = await fake_api.wait_for_messages(42, 1, timeout=15)
        assert "/subscribe" in text_of(reply)  # "no topics yet; /subscribe …"


async def test_a_command_sent_during_an_outage_is_answered_after_it(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        fake_api.outage(drop=True)  # nothing gets through, getUpdates included
        fake_api.send_text(43, "/topics")
        await fake_api.wait_for(
            lambda: fake_api.requests_by_method.get("getUpdates", 0) >= 3,
            what="polls during the outage",
        )
        fake_api.outage(False)
        [reply] = await fake_api.wait_for_messages(43, 1, timeout=30)
        assert "/subscribe" in text_of(reply)
