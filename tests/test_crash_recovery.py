"""`kill -9` in the middle of a fan-out, then a restart: every alert arrives, once.

The real bot (`python bot.py`) runs against a fake Bot API that enforces Telegram's limits
and a feed served on loopback. 300 chats follow Nagorno-Karabakh; one new story fans out to
all of them at 30 messages a second, and the bot is killed with SIGKILL a third of the way
through. Telegram is as far away as in real life: every call takes 120 ms ± 40 ms. After
the restart each chat has the alert exactly once, except the messages that were in flight
at the kill (sent, not yet marked sent), which arrive twice: at most 5, the sender's cap.
A clean stop (SIGTERM) at the same point lets those few be answered and recorded: nothing
goes twice, nothing is failed, the rest waits in the outbox.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits, links_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import rss_document
from alertbot.matching import normalise
from alertbot.store import Store

from .helpers import item, until

REPO = Path(__file__).resolve().parent.parent
CHATS = range(100_001, 100_301)
# Sends are paced at about 30/s with at most 5 in flight (ALERTBOT_MAX_IN_FLIGHT): the
# messages in flight at the kill (Telegram has them, their answers were not yet recorded)
# are all that can go twice — about 30/s times the round trip, 3 to 5 here.
IN_FLIGHT = 5


OLD = item(0, "Berita lama tentang Nagorno-Karabakh", "Nagorno-Karabakh.", path="/karabakh")
NEW = item(
    1, "Gencatan senjata di Nagorno-Karabakh dilanggar", "Nagorno-Karabakh.", path="/karabakh"
)


@contextmanager
def bot_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "bot.py"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def prepare(db: Path, feeds: FeedServer, api: FakeBotApi) -> dict[str, str]:
    """300 chats following Nagorno-Karabakh, one feed; the bot's environment."""
    feeds.set("/news.xml", rss_document([OLD]))
    store = Store.open(db)
    for chat in CHATS:
        store.touch_chat(chat, "private")
        store.subscribe(chat, "Nagorno-Karabakh", normalise("Nagorno-Karabakh"), now=0.0)
    store.add_feed(feeds.url("/news.xml"), title="Kabar", interval=1)
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERTBOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        ALERTBOT_DB=str(db),
        ALERTBOT_POLL_INTERVAL="1",
        ALERTBOT_TICK_SECONDS="0.2",
        ALERTBOT_ALLOW_PRIVATE_URLS="1",
        ALERTBOT_STARTER_FEEDS="",
    )
    return env


class Rig(NamedTuple):
    api: FakeBotApi
    feeds: FeedServer
    db: Path
    env: dict[str, str]
    log: Path


@contextmanager
def rig(tmp_path: Path, seed: int) -> Iterator[Rig]:
    """Telegram 120 ± 40 ms away with its limits, the feed, and the database `prepare` fills."""
    with (
        FakeBotApi(limits=FloodLimits(), latency=0.12, jitter=0.04, seed=seed) as api,
        FeedServer() as feeds,
    ):
        db = tmp_path / "bot.db"
        yield Rig(api, feeds, db, prepare(db, feeds, api), tmp_path / "bot.log")


async def a_third_of_the_fan_out(feeds: FeedServer, api: FakeBotApi) -> None:
    """The new story is published after the backlog poll; returns a third of the way in."""
    await until("two polls", lambda: len(feeds.requests("/news.xml")) >= 2, timeout=60, every=0.2)
    feeds.set("/news.xml", rss_document([NEW, OLD]))
    await until("a third of the fan-out", lambda: len(api.messages()) >= 100, timeout=60, every=0.2)


@pytest.mark.slow
async def test_sigkill_mid_fan_out_then_restart_delivers_every_alert_once(
    tmp_path: Path,
) -> None:
    with rig(tmp_path, seed=9) as (api, feeds, db, env, log):

        def reached() -> set[int]:  # cheap: polled while the bot sends
            return {m.chat_id for m in api.messages()}

        with bot_process(env, log) as first:
            await a_third_of_the_fan_out(feeds, api)
            first.send_signal(signal.SIGKILL)
            await asyncio.to_thread(first.wait, 10)
        assert len(reached()) < len(CHATS), "the fan-out ended before the kill"

        with bot_process(env, log) as second:
            await until(
                "every chat alerted", lambda: reached() >= set(CHATS), timeout=60, every=0.2
            )
            await asyncio.sleep(1.0)  # anything still to come would come now
            second.send_signal(signal.SIGTERM)
            await asyncio.to_thread(second.wait, 15)
            assert second.returncode == 0, log.read_text(errors="replace")[-3000:]

        received = Counter(m.chat_id for m in api.messages() if links_of(m) == [NEW.link])
        twice = [chat for chat, n in received.items() if n > 1]
        assert set(received) == set(CHATS)
        assert max(received.values()) <= 2
        assert len(twice) <= IN_FLIGHT, f"{len(twice)} chats got the alert twice"
        assert all(len(links_of(m)) <= 1 for m in api.messages())  # no digest was needed
        store = Store.open(db)
        assert store.stats()["alerts_sent"] == len(CHATS)
        store.close()


@pytest.mark.slow
async def test_sigterm_mid_fan_out_loses_nothing_and_logs_no_error(tmp_path: Path) -> None:
    with rig(tmp_path, seed=10) as (api, feeds, db, env, log):
        with bot_process(env, log) as bot:
            await a_third_of_the_fan_out(feeds, api)
            bot.send_signal(signal.SIGTERM)  # sends are in flight: up to 5 at any moment
            await asyncio.to_thread(bot.wait, 15)
        text = log.read_text(errors="replace")
        assert bot.returncode == 0, text[-3000:]
        assert "Traceback" not in text and " ERROR " not in text, text[-3000:]
        store = Store.open(db)
        stats = store.stats()
        store.close()
        sent = {m.chat_id for m in api.messages() if links_of(m) == [NEW.link]}
        assert len(sent) < len(CHATS), "the fan-out ended before the stop"
        # Each alert is sent, or still waits in the outbox for the next start: none failed.
        assert stats["alerts_failed"] == 0
        assert stats["alerts_sent"] == len(sent)
        assert stats["alerts_pending"] == len(CHATS) - len(sent)
