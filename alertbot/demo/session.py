"""The offline demo: the real bot, a fake Telegram and a local feed, with the terminal as chat.

Interactive (a terminal): type commands at "you> "; once you follow a topic the demo feed
publishes a seed story every few seconds. Piped: every line of standard input is sent and
answered in turn, then every seed story is published and the alerts they cause are printed,
and the demo ends (status 0, or 1 if that takes longer than `FINISH_TIMEOUT`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, SentMessage
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import load_seed_stories
from alertbot.models import FeedState
from alertbot.telegram.services import Services, bot_data

from .console import Console, LineReader
from .newsroom import FEED_TITLE, Newsroom

__all__ = ["DEMO_USER", "run_demo"]

DEMO_USER = 1001  # the person at the terminal: a private chat, and an admin
REPLY_TIMEOUT = 15.0
FINISH_TIMEOUT = 60.0
FIRST_STORY_DELAY = 5.0  # after the first /subscribe (interactive)
STORY_GAP = 10.0
UNPROMPTED_START = 60.0  # publish anyway if nobody subscribes

INTRO = """\
AlertBot demo: the real bot, talking to a local stand-in for Telegram and reading a local
news feed ("{feed}"). Nothing leaves this machine. You are chatting with the bot as an admin.
Try  /subscribe Nagorno-Karabakh  then wait: once you follow a topic, the feed publishes a
real news story every {gap:.0f} s, and the bot alerts you when one matches.
Also  /help  /topics  /latest  /search Armenia  /feeds  /stats  -  leave with /quit or Ctrl-D.
"""


class DemoError(RuntimeError):
    """The demo could not finish; `str()` says what it was waiting for."""


def demo_settings(settings: Settings, api: FakeBotApi, feed_url: str, tmp: Path) -> Settings:
    """The operator's settings pointed at the fakes, a throwaway database and the demo feed."""
    starter = tmp / "feeds.toml"
    starter.write_text(f'feeds = [{{ url = "{feed_url}", title = "{FEED_TITLE}" }}]\n')
    return replace(
        settings,
        token=api.token,
        api_base_url=api.base_url,
        admin_ids=frozenset({DEMO_USER}),
        db_path=tmp / "alertbot.db",
        poll_interval=1,
        tick_seconds=0.25,
        allow_private_urls=True,
        starter_feeds_path=starter,
        webhook_url=None,
        metrics_port=None,
    )


async def run_demo(
    settings: Settings, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Run the demo until the person leaves (interactive) or the script is done (piped)."""
    stdin = stdin or sys.stdin
    console = Console(out or sys.stdout, interactive=stdin.isatty())
    loop = asyncio.get_running_loop()

    def on_sent(message: SentMessage) -> None:  # in the fake's thread
        if message.chat_id == DEMO_USER:
            loop.call_soon_threadsafe(console.message, message)

    with (
        tempfile.TemporaryDirectory(prefix="alertbot-demo-") as tmp,
        FakeBotApi(on_sent=on_sent, bot_username="alertbot_demo_bot", bot_name="AlertBot") as api,
        FeedServer() as server,
    ):
        newsroom = Newsroom(server, load_seed_stories())
        app = build_application(demo_settings(settings, api, newsroom.url, Path(tmp)))
        async with running(app):
            svc = bot_data(app).services
            assert svc is not None
            demo = _Demo(api, svc, newsroom, console)
            try:
                await demo.wait_for_backlog()
                console.line(INTRO.format(feed=FEED_TITLE, gap=STORY_GAP))
                if console.interactive:
                    await demo.interactive(LineReader(stdin))
                else:
                    await demo.scripted(LineReader(stdin))
            except DemoError as exc:
                print(f"alertbot demo: {exc}", file=sys.stderr)
                return 1
    return 0


class _Demo:
    def __init__(
        self, api: FakeBotApi, svc: Services, newsroom: Newsroom, console: Console
    ) -> None:
        self.api = api
        self.svc = svc
        self.newsroom = newsroom
        self.console = console
        self.subscribed = asyncio.Event()

    async def wait_for_backlog(self) -> None:
        """The feed's first fetch (backlog) is done, so /latest has something to show."""
        await self._until(
            lambda: any(f.state != FeedState.NEW for f in self.svc.store.list_feeds()),
            time.monotonic() + REPLY_TIMEOUT,
            "the first fetch of the demo feed",
        )

    async def say(self, text: str) -> None:
        """Send what the person typed and wait for (at least) the bot's first reply."""
        if text.startswith("/subscribe"):
            self.subscribed.set()
        before = len(self.api.messages(DEMO_USER))
        self.api.send_text(DEMO_USER, text, first_name="You")
        if not await self.console.wait_shown(before + 1, REPLY_TIMEOUT):
            self.console.line("(no answer from the bot)")

    async def interactive(self, reader: LineReader) -> None:
        publisher = asyncio.create_task(self._publish_over_time())
        try:
            while True:
                self.console.prompt()
                line = await reader.readline()
                self.console.typed()
                if line is None or line.strip() in {"/quit", "/exit"}:
                    break
                if line.strip():
                    await self.say(line.strip())
        finally:
            reader.close()
            publisher.cancel()
        self.console.line("")

    async def scripted(self, reader: LineReader) -> None:
        while (line := await reader.readline()) is not None:
            if line.strip() in {"/quit", "/exit"}:
                break
            if line.strip():
                self.console.line(f"you> {line.strip()}")
                await self.say(line.strip())
        reader.close()
        deadline = time.monotonic() + FINISH_TIMEOUT
        while await self._publish_and_deliver(deadline):
            pass
        self.console.line("feed> That was the demo feed's last story: the demo ends.")

    async def _publish_over_time(self) -> None:
        with contextlib.suppress(TimeoutError):  # nobody subscribed: publish anyway
            await asyncio.wait_for(self.subscribed.wait(), UNPROMPTED_START)
        await asyncio.sleep(FIRST_STORY_DELAY)
        while await self._publish_and_deliver(time.monotonic() + FINISH_TIMEOUT):
            if not self.newsroom.waiting:
                self.console.line("feed> That was the demo feed's last story. /quit leaves.")
                return
            await asyncio.sleep(STORY_GAP)

    async def _publish_and_deliver(self, deadline: float) -> bool:
        """Publish the next story and wait until every alert it causes is printed."""
        stored = self.svc.store.count_stories()
        story = self.newsroom.publish_next()
        if story is None:
            return False
        self.console.line(f"feed> {FEED_TITLE} published: {story.title}")
        store, poller = self.svc.store, self.svc.poller
        await self._until(lambda: store.count_stories() > stored, deadline, "the new story")
        try:  # the refresh that stored it has queued its alerts once it ends
            remaining = max(0.1, deadline - time.monotonic())
            await asyncio.wait_for(asyncio.shield(poller.wait_idle()), remaining)
        except TimeoutError:
            raise DemoError("timed out waiting for the feed refresh to end") from None
        await self._until(
            lambda: store.alert_counts()["pending"] == 0, deadline, "its alerts to be sent"
        )
        sent = len(self.api.messages(DEMO_USER))
        if not await self.console.wait_shown(sent, max(0.1, deadline - time.monotonic())):
            raise DemoError("timed out printing the bot's messages")
        return True

    @staticmethod
    async def _until(condition: Callable[[], bool], deadline: float, what: str) -> None:
        """Poll `condition` until true; DemoError once `deadline` (monotonic) has passed."""
        while not condition():
            if time.monotonic() > deadline:
                raise DemoError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)
