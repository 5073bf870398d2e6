"""The real sender wired to a fake Bot API and a fresh outbox, for the delivery tests.

async with sender_rig(tmp_path, fake_limits=FakeLimits(private_burst=1)) as rig:
    story = rig.story(1)
    rig.alert([100, 200], story)
    await rig.api.wait_for_messages(100, 1)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import ExtBot

from alertbot.delivery.limits import FloodControl, FloodLimits
from alertbot.delivery.sender import Sender
from alertbot.delivery.throttle import FloodRateLimiter, Throttle
from alertbot.devtools.fake_bot_api import FakeBotApi, links_of
from alertbot.devtools.fake_bot_api import FloodLimits as FakeLimits
from alertbot.models import Entry, Story
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert, Store


@dataclass
class Rig:
    api: FakeBotApi
    store: Store
    sender: Sender
    feed_id: int

    def story(self, n: int, *, feed_id: int | None = None, title: str | None = None) -> Story:
        entry = Entry(
            guid=f"story-{n}",
            link=f"https://news.example/{n}",
            title=title or f"Story {n} about Nagorno-Karabakh",
        )
        (story,) = add_stories(self.store, feed_id or self.feed_id, [entry])
        return story

    def alert(self, chats: Iterable[int], story: Story, topic: str = "Karabakh") -> int:
        """Queue the story for these chats (as the pipeline does) and wake the sender."""
        chats = list(chats)
        for chat in chats:
            if self.store.get_chat(chat) is None:
                self.store.touch_chat(chat, "private" if chat > 0 else "group")
        queued = self.store.enqueue_alerts(NewAlert(c, story.id, topic, "why") for c in chats)
        self.sender.wake()
        return queued

    def delivered(self) -> Counter[tuple[int, str]]:
        """How many times each (chat, story link) reached the chat, digests included."""
        seen: Counter[tuple[int, str]] = Counter()
        for message in self.api.messages():
            for link in links_of(message):
                seen[(message.chat_id, link)] += 1
        return seen

    async def settled(self, timeout: float = 20) -> None:
        """Wait until nothing is pending in the outbox."""
        await self.api.wait_for(
            lambda: self.store.stats()["alerts_pending"] == 0, timeout, what="an empty outbox"
        )


@contextlib.asynccontextmanager
async def sender_rig(
    tmp_path: Path,
    *,
    fake_limits: FakeLimits | None = None,
    limits: FloodLimits | None = None,
    run: bool = True,
    **sender_options: Any,
) -> AsyncIterator[Rig]:
    """A running sender; `fake_limits=None` turns the fake's flood checks off."""
    api = FakeBotApi(limits=fake_limits)
    api.start()
    store = Store.open(tmp_path / "outbox.db")
    throttle = Throttle(FloodControl(limits or FloodLimits()))
    bot: ExtBot[str] = ExtBot(
        api.token, base_url=api.base_url, rate_limiter=FloodRateLimiter(throttle)
    )
    await bot.initialize()
    sender_options.setdefault("retry_base", 0.05)
    sender = Sender(bot, store, throttle=throttle, **sender_options)
    feed = store.add_feed("https://news.example/rss", title="Test News", interval=300)
    task = asyncio.create_task(sender.run()) if run else None
    try:
        yield Rig(api, store, sender, feed.id)
    finally:
        sender.stop()
        if task is not None:
            await task
        api.stop()
        await bot.shutdown()
        store.close()
