"""OPML import and export: an admin sends a feed reader's .opml file and each feed in it is
validated (fetched and parsed once) before it is polled; /exportopml sends the list back."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import rss_document
from alertbot.feeds.opml import parse_opml, to_opml
from alertbot.models import Feed
from alertbot.refresh.imports import import_feeds
from alertbot.refresh.new_feed import AddFeedError, AlreadyPolled
from alertbot.store import Store
from alertbot.telegram.opml_import import report_blocks

from .helpers import ADMIN, bot_running, clean_env, item
from .test_cli import REPO, TOKEN

STRANGER = 500


async def test_import_counts_added_duplicates_and_failures(fresh_store: Store) -> None:
    known = fresh_store.add_feed("https://known.example/rss", interval=300)
    calls: list[str] = []

    async def add(url: str) -> Feed:
        calls.append(url)
        if "broken" in url:
            raise AddFeedError("could not fetch it: HTTP 500 Internal Server Error")
        if "moved" in url:
            raise AlreadyPolled(f"it moved to a feed already polled (#{known.id})")
        if "odd" in url:
            raise RuntimeError("a bug")
        return fresh_store.add_feed(url, interval=300)

    report = await import_feeds(
        [
            ("https://known.example/rss", "Known"),
            ("https://new.example/rss", "New"),
            ("https://broken.example/rss", "Broken"),
            ("https://moved.example/rss", "Moved"),
            ("https://odd.example/rss", "Odd"),
        ],
        store=fresh_store,
        add=add,
    )
    assert [f.url for f in report.added] == ["https://new.example/rss"]
    assert sorted(report.duplicates) == ["https://known.example/rss", "https://moved.example/rss"]
    assert sorted(report.failed) == [
        ("https://broken.example/rss", "could not fetch it: HTTP 500 Internal Server Error"),
        ("https://odd.example/rss", "unexpected error (see the bot's log)"),
    ]
    assert "https://known.example/rss" not in calls  # a known feed is not fetched again
    head = report_blocks(report, "my <feeds>.opml")[0]
    assert head == "📥 Imported my &lt;feeds&gt;.opml: 1 added, 2 already polled, 2 failed."


async def test_a_removed_feed_in_the_file_is_checked_and_added_again(fresh_store: Store) -> None:
    removed = fresh_store.add_feed("https://old.example/rss", interval=300)
    fresh_store.remove_feed(removed.id)

    async def add(url: str) -> Feed:
        return fresh_store.add_feed(url + "?again", interval=300)

    report = await import_feeds([("https://old.example/rss", "")], store=fresh_store, add=add)
    assert len(report.added) == 1 and not report.duplicates


async def test_admin_imports_an_opml_file_and_exports_it_back(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/a.xml", rss_document([item(1), item(2)], title="Kabar A"))
    feed_server.set("/b.xml", rss_document([item(3)], title="Kabar B"))
    feed_server.set("/page.html", b"<html><body>no feed</body></html>", content_type="text/html")
    feed_server.set("/down.xml", b"oops", status=500)
    opml = to_opml(
        [
            (feed_server.url("/a.xml"), "A"),
            (feed_server.url("/b.xml"), "B"),
            (feed_server.url("/a.xml"), "A again"),  # a duplicate inside the file
            (feed_server.url("/page.html"), "A page"),
            (feed_server.url("/down.xml"), "Down"),
            ("ftp://files.example/feed", "Not http"),
        ]
    )
    async with bot_running(settings):
        fake_api.send_document(STRANGER, "feeds.opml", opml)
        [refusal] = await fake_api.wait_for_messages(STRANGER, 1)
        assert "only the bot's admins can import" in text_of(refusal)

        fake_api.send_document(ADMIN, "feeds.opml", opml)
        await fake_api.wait_for(
            lambda: any("Imported" in text_of(m) for m in fake_api.messages(ADMIN)),
            timeout=20,
            what="the import summary",
        )
        seen = "\n".join(text_of(m) for m in fake_api.messages(ADMIN))
        assert "Checking 5 feeds from feeds.opml" in seen
        assert "Imported feeds.opml: 2 added, 0 already polled, 3 failed." in seen
        assert "Kabar A" in seen and "Kabar B" in seen
        assert "/page.html — it is not an RSS or Atom feed (looks like an HTML page)" in seen
        assert "/down.xml — could not fetch it: HTTP 500 Internal Server Error" in seen
        assert "ftp://files.example/feed — only http and https URLs can be feeds" in seen

        # Sent again: everything it lists is already polled or still broken.
        before = len(fake_api.messages(ADMIN))
        fake_api.send_document(ADMIN, "feeds.opml", opml)
        await fake_api.wait_for(
            lambda: any("Imported" in text_of(m) for m in fake_api.messages(ADMIN)[before:]),
            timeout=20,
            what="the second import summary",
        )
        again = "\n".join(text_of(m) for m in fake_api.messages(ADMIN)[before:])
        assert "0 added, 2 already polled, 3 failed" in again

        fake_api.send_text(ADMIN, "/exportopml")
        await fake_api.wait_for(lambda: fake_api.documents(ADMIN), what="the OPML export")
        [export] = fake_api.documents(ADMIN)
        assert export.file_name == "alertbot-feeds.opml"
        assert "2 feeds as OPML" in text_of(export)
        # Checks run concurrently, so the feeds are added in the order their checks end.
        assert sorted(parse_opml(export.data)) == [
            (feed_server.url("/a.xml"), "Kabar A"),
            (feed_server.url("/b.xml"), "Kabar B"),
        ]


async def test_bad_files_get_a_reason(fake_api: FakeBotApi, settings: Settings) -> None:
    async with bot_running(settings):
        for name, data, expected in [
            ("notes.pdf", b"%PDF-1.4", "send an .opml file"),
            ("feeds.opml", b"<opml><body>", "Not imported: not valid XML"),
            ("feeds.opml", b"<html></html>", "not an OPML file (the root element is <html>)"),
            ("empty.opml", to_opml([]), "lists no feeds"),
        ]:
            before = len(fake_api.messages(ADMIN))
            fake_api.send_document(ADMIN, name, data)
            replies = await fake_api.wait_for_messages(ADMIN, before + 1)
            assert expected in text_of(replies[before]), name
        fake_api.send_text(ADMIN, "/exportopml")
        replies = await fake_api.wait_for_messages(ADMIN, 5)
        assert "No feeds to export yet" in text_of(replies[4])


# ---- a large import in its own lane --------------------------------------------------------

SLOW_FEEDS = 3_000  # slow feeds (5 s each), 2 at a time per host: the import outlasts the test


def slow_opml(server: FeedServer, n: int = SLOW_FEEDS) -> bytes:
    for i in range(n):
        server.set(f"/slow/{i}.xml", rss_document([item(1)], title=f"Slow {i}"), delay=5)
    return to_opml([(server.url(f"/slow/{i}.xml"), f"Slow {i}") for i in range(n)])


def progress_of(api: FakeBotApi) -> str:
    """The import's progress message, as it reads now (it is edited in place)."""
    return next(
        (text_of(m) for m in api.messages(ADMIN) if "Checking 3,000 feeds" in text_of(m)), ""
    )


async def test_a_large_import_leaves_polling_alone_shows_progress_and_can_be_cancelled(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/healthy.xml", rss_document([item(9)], title="Kabar Sehat"))
    opml = slow_opml(feed_server)
    async with bot_running(settings):
        fake_api.send_text(ADMIN, f"/addfeed {feed_server.url('/healthy.xml')}")
        await fake_api.wait_for_messages(ADMIN, 1, timeout=20)
        fake_api.send_document(ADMIN, "big.opml", opml)
        await fake_api.wait_for(lambda: progress_of(fake_api), timeout=20, what="the progress")

        # Polling goes on: the healthy feed on the same host is polled again and again.
        polls = len(feed_server.requests("/healthy.xml"))
        await fake_api.wait_for(
            lambda: len(feed_server.requests("/healthy.xml")) >= polls + 3,
            timeout=30,
            what="three more polls during the import",
        )
        # One message, edited as checks end.
        await fake_api.wait_for(
            lambda: "checked " in progress_of(fake_api) and " of 3,000…" in progress_of(fake_api),
            timeout=30,
            what="a progress edit",
        )
        assert fake_api.calls("editMessageText")
        assert len([m for m in fake_api.messages(ADMIN) if "Checking" in text_of(m)]) == 1

        before = len(fake_api.messages(ADMIN))
        fake_api.send_text(ADMIN, "/cancelimport")
        [*_, summary] = await fake_api.wait_for_messages(ADMIN, before + 1, timeout=20)
        assert "Import of big.opml cancelled after " in text_of(summary)
        assert " of 3,000: " in text_of(summary)
        before = len(fake_api.messages(ADMIN))
        fake_api.send_text(ADMIN, "/cancelimport")
        [*_, none] = await fake_api.wait_for_messages(ADMIN, before + 1, timeout=20)
        assert "No import is running here." in text_of(none)


@pytest.mark.slow
async def test_sigterm_stops_the_bot_within_10_s_during_a_large_import(tmp_path: Path) -> None:
    with (
        FakeBotApi(TOKEN, limits=FloodLimits(private_burst=20)) as api,
        FeedServer() as feeds,
    ):
        opml = slow_opml(feeds)
        log_file = (tmp_path / "bot.log").open("w+", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "bot.py"],
            cwd=REPO,
            env=clean_env(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=api.base_url,
                ALERTBOT_ADMIN_IDS=str(ADMIN),
                ALERTBOT_DB=str(tmp_path / "bot.db"),
                ALERTBOT_STARTER_FEEDS="",
                ALERTBOT_ALLOW_PRIVATE_URLS="1",
            ),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            api.send_document(ADMIN, "big.opml", opml)
            await api.wait_for(lambda: progress_of(api), timeout=30, what="the import to start")
        finally:
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            await asyncio.to_thread(process.wait, timeout=30)
            stopped_in = time.monotonic() - started
            log_file.close()
    logs = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert process.returncode == 0, logs[-3000:]
    assert stopped_in < 10, logs[-3000:]
