"""What several test files need: feed items, waiting, typing to the bot, a clean environment.

Fixtures stay in conftest.py; plain helpers live here and are imported by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, SentMessage, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem
from alertbot.matching import parse_query
from alertbot.store import Store
from alertbot.store.search import index_new_stories, newest_matching

__all__ = [
    "ADMIN",
    "SEEDS",
    "T0",
    "ask",
    "bot_running",
    "clean_env",
    "item",
    "polls_of",
    "press",
    "say",
    "seed_text",
    "until",
]

ADMIN = 1  # the user id the test settings make an admin
T0 = datetime(2020, 10, 5, 12, 0, tzinfo=UTC)  # when the seed stories were published
SEEDS: Traversable = files("alertbot.devtools").joinpath("seeds")  # the one copy, packaged


def seed_text(prefix: str) -> str:
    """A seed story's text by its number, e.g. "001"."""
    (path,) = [p for p in SEEDS.iterdir() if p.name.startswith(f"{prefix}_")]
    return path.read_text(encoding="utf-8")


def item(n: int, title: str = "", body: str = "", *, path: str = "") -> RssItem:
    """Feed item n: a link under https://news.example{path}/, published n minutes after T0."""
    return RssItem(
        guid=f"{path.strip('/') or 'story'}-{n}",
        title=title or f"Berita {n} tentang Nagorno-Karabakh",
        link=f"https://news.example{path}/{n}",
        html=f"<p>{body or f'Isi berita {n}.'}</p>",
        published=T0 + timedelta(minutes=n),
    )


async def until(
    what: str, predicate: Callable[[], object], timeout: float = 20, *, every: float = 0.05
) -> None:
    """Wait until `predicate()` is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


async def polls_of(server: FeedServer, path: str, n: int = 1, timeout: float = 15) -> None:
    """Wait until the bot has polled `path` n more times."""
    start = len(server.requests(path))
    await until(
        f"{n} more polls of {path}", lambda: len(server.requests(path)) >= start + n, timeout
    )


async def say(api: FakeBotApi, chat_id: int, text: str) -> str:
    """Type a command as a user would and return the bot's reply as the user sees it."""
    before = len(api.messages(chat_id))
    api.send_text(chat_id, text)
    await api.wait_for_messages(chat_id, before + 1, timeout=15)
    return text_of(api.messages(chat_id)[before])


async def ask(
    api: FakeBotApi, chat_id: int, text: str, *, user_id: int | None = None
) -> SentMessage:
    """Type a command and return the bot's reply (with its buttons)."""
    before = len(api.messages(chat_id))
    api.send_text(chat_id, text, user_id=user_id)
    await api.wait_for_messages(chat_id, before + 1, timeout=15)
    return api.messages(chat_id)[before]


async def press(
    api: FakeBotApi, message: SentMessage, label: str, *, user_id: int | None = None
) -> str:
    """Press a button as the user would; return the note Telegram shows them (may be "")."""
    update_id = api.press(message, label, user_id=user_id)
    answer = await api.wait_for_callback_answer(update_id, timeout=15)
    return str(answer.get("text") or "")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any bot setting (no token), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERTBOT_", "TELEGRAM_"))}
    return {**env, **extra}


@contextlib.asynccontextmanager
async def bot_running(settings: Settings) -> AsyncIterator[None]:
    """The real bot, running in this event loop, against what `settings` point at."""
    app = build_application(settings)
    async with running(app):
        yield


def searched_titles(store: Store, topic: str, limit: int = 100) -> list[str]:
    """What /search <topic> finds in `store`, newest first: the bot's own search path."""
    index_new_stories(store.db.conn)
    ids = newest_matching(store.db.conn, parse_query(topic), limit)
    by_id = {s.id: s.title for s in store.stories_by_ids(ids)}
    return [by_id[i] for i in ids]
