"""Feeds parsed in worker processes give what parse_feed gives, survive a dead worker, and
never outlive the bot, even when it is killed with SIGKILL; a parser crash is a failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds.fetch import FetchOptions, make_client
from alertbot.feeds.parse import NotAFeed, parse_feed
from alertbot.feeds.parse_pool import ParsePool, parse_here
from alertbot.matching.subscriptions import SubscriptionIndex
from alertbot.models import FeedState, ParsedFeed
from alertbot.refresh.pipeline import refresh_feed
from alertbot.store import Store

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
ROOT = Path(__file__).resolve().parent.parent


async def test_workers_parse_as_parse_feed_does() -> None:
    pool = ParsePool(2)
    try:
        for name in ("serambinews_rss.xml", "mingachevir_atom.xml", "wrong_encoding.xml"):
            content = (FEEDS / name).read_bytes()
            expected = parse_feed(content, base_url="https://berita.example/rss")
            assert await pool(
                content, base_url="https://berita.example/rss", content_type=None
            ) == (expected)
        with pytest.raises(NotAFeed, match="looks like an HTML page"):
            await pool(
                (FEEDS / "html_page.html").read_bytes(),
                base_url="https://x.example/",
                content_type=None,
            )
    finally:
        pool.close()


async def test_no_workers_parses_here() -> None:
    content = (FEEDS / "truncated.xml").read_bytes()
    here = await parse_here(content, base_url="https://x.example/", content_type=None)
    assert here == await ParsePool(0)(content, base_url="https://x.example/", content_type=None)
    assert len(here.entries) == 2


async def test_a_killed_worker_costs_nothing_but_a_new_pool() -> None:
    pool = ParsePool(1)
    content = (FEEDS / "serambinews_rss.xml").read_bytes()
    try:
        await pool(content, base_url="https://x.example/", content_type=None)
        assert pool._executor is not None
        for pid in list(pool._executor._processes):  # white-box: find the worker to kill
            os.kill(pid, signal.SIGKILL)
        parsed = await pool(content, base_url="https://x.example/", content_type=None)
        assert parsed.title.startswith("Serambinews")
        parsed = await pool(content, base_url="https://x.example/", content_type=None)
        assert parsed.title.startswith("Serambinews")
    finally:
        pool.close()


BOT = """
import asyncio, sys
from alertbot.feeds.parse_pool import ParsePool
async def main():
    pool = ParsePool(2)
    await pool(b"<rss version='2.0'><channel><title>t</title></channel></rss>",
               base_url="https://x.example/", content_type=None)
    print(" ".join(str(pid) for pid in pool._executor._processes), flush=True)
    await asyncio.sleep(60)
asyncio.run(main())
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_workers_exit_when_the_bot_is_killed() -> None:
    bot = subprocess.Popen([sys.executable, "-c", BOT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None
        workers = [int(pid) for pid in bot.stdout.readline().split()]
        assert workers and all(alive(pid) for pid in workers)
    finally:
        bot.kill()  # SIGKILL: no shutdown, no atexit
        bot.wait()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


async def test_workers_that_cannot_start_leave_parsing_to_the_bot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concurrent.futures.process import BrokenProcessPool

    pool = ParsePool(2)
    starts = []

    def broken() -> object:
        starts.append(1)
        raise BrokenProcessPool("workers died at start")

    monkeypatch.setattr(pool, "_pool", broken)
    content = (FEEDS / "truncated.xml").read_bytes()
    for _ in range(5):
        parsed = await pool(content, base_url="https://x.example/", content_type=None)
        assert len(parsed.entries) == 2
    assert len(starts) == ParsePool.MAX_BREAKS and pool.workers == 0


async def test_a_parser_crash_is_a_failure_with_back_off(
    fresh_store: Store, feed_server: FeedServer
) -> None:
    feed_server.set("/news.xml", (FEEDS / "serambinews_rss.xml").read_bytes())
    feed = fresh_store.add_feed(feed_server.url("/news.xml"), interval=60)

    async def crashing(content: bytes, *, base_url: str, content_type: str | None) -> ParsedFeed:
        raise RecursionError("maximum recursion depth exceeded")

    options = FetchOptions(allow_private=True)
    async with make_client(options) as client:
        result = await refresh_feed(
            feed,
            client=client,
            store=fresh_store,
            subscriptions=SubscriptionIndex(),
            options=options,
            parse=crashing,
        )
    assert result.error == "the parser failed (RecursionError)" and result.errors_in_row == 1
    failed = fresh_store.get_feed(feed.id)
    assert failed is not None and failed.state is FeedState.FAILING
    assert failed.next_poll.timestamp() > time.time() + 30  # not retried at every tick
