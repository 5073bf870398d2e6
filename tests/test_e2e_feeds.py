"""End to end: feeds that break in every way the real web breaks them.

Each case starts the real bot with two good feeds, then turns one of them into the failure
(an HTML page, an empty body, truncated XML, a wrong declared encoding, a 10 MB body, a
server slower than the deadline, a 301 chain, a 302, a redirect loop, 404, 410, 500, 429 with
Retry-After) and checks three things: the bot stays up (commands answer), the healthy feed
keeps being polled, and what the admin sees in /feeds. Admins type in a group ("the desk")
so that replies never mix with the notifications sent to their private chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import rss_document
from alertbot.feeds import fetch as fetch_module
from alertbot.feeds.urlsafety import check_destination
from alertbot.models import Entry, Feed, FeedUpdate
from alertbot.refresh.intake import add_stories
from alertbot.telegram.services import Services

from .helpers import ADMIN, item, until
from .helpers import polls_of as polled

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
DESK = -1001  # a group where the admin types commands


GOOD = rss_document([item(1), item(2)], title="Kabar Baik")


@contextlib.asynccontextmanager
async def bot(settings: Settings) -> AsyncIterator[Services]:
    """The real bot; yields its services so that a test can wait on the database."""
    app = build_application(settings)
    async with running(app):
        svc = app.bot_data.services
        assert isinstance(svc, Services)
        yield svc


async def ask(api: FakeBotApi, text: str, *, replies: int = 1) -> str:
    """The admin types at the desk; returns the bot's reply (or replies, joined)."""
    before = len(api.messages(DESK))
    api.send_text(DESK, text, user_id=ADMIN)
    sent = await api.wait_for_messages(DESK, before + replies, timeout=20)
    return "\n\n".join(text_of(m) for m in sent[before : before + replies])


async def feeds_shown(api: FakeBotApi, last_id: int) -> str:
    """The admin's /feeds, however many messages it takes to reach feed #last_id."""
    before = len(api.messages(DESK))
    api.send_text(DESK, "/feeds", user_id=ADMIN)

    def shown() -> str:
        return "\n\n".join(text_of(m) for m in api.messages(DESK)[before:])

    await api.wait_for(lambda: f"#{last_id} " in shown(), timeout=20, what="the /feeds list")
    return shown()


def block_of(feeds_reply: str, feed_id: int) -> str:
    """The part of a /feeds reply about one feed."""
    [block] = [b for b in feeds_reply.split("\n\n") if f"#{feed_id} " in b.split("\n")[0]]
    return block


def feed_of(svc: Services, feed_id: int) -> Feed:
    feed = svc.store.get_feed(feed_id)
    assert feed is not None
    return feed


def polled_since(svc: Services, feed_id: int, moment: float) -> bool:
    """Has a poll of the feed finished (well or badly) since `moment`?"""
    feed = feed_of(svc, feed_id)
    times = [t.timestamp() for t in (feed.last_success, feed.last_error_at) if t is not None]
    return bool(times) and max(times) > moment


# ---- one fixture per failure ---------------------------------------------------------------


def serve_file(name: str, content_type: str = "application/rss+xml") -> Callable[..., None]:
    def breakage(server: FeedServer, path: str) -> None:
        server.set(path, (FIXTURES / name).read_bytes(), content_type=content_type)

    return breakage


def redirect_chain(server: FeedServer, path: str) -> None:
    server.redirect(path, f"{path}.once", 301)
    server.redirect(f"{path}.once", f"{path}.twice", 308)
    server.set(f"{path}.twice", feed_for(path))


def temporary_redirect(server: FeedServer, path: str) -> None:
    server.redirect(path, f"{path}.elsewhere", 302)
    server.set(f"{path}.elsewhere", feed_for(path))


def redirect_loop(server: FeedServer, path: str) -> None:
    server.redirect(path, f"{path}.loop", 301)
    server.redirect(f"{path}.loop", path, 301)


def feed_for(path: str) -> bytes:
    """Two stories of the feed's own (the same link or headline in two feeds is one story)."""
    items = [item(n, f"Berita {n} dari {path.strip('/')}") for n in (1, 2)]
    items = [replace(i, link=f"https://news.example{path}/{n}") for n, i in enumerate(items)]
    return rss_document(items, title=f"Kabar {path.strip('/')}")


@dataclass(frozen=True)
class Case:
    path: str
    breakage: Callable[[FeedServer, str], None]
    shown: tuple[str, ...]  # in the feed's /feeds block
    not_shown: tuple[str, ...] = ()


def status(code: int, **headers: str) -> Callable[[FeedServer, str], None]:
    return lambda server, path: server.set(
        path, b"no", status=code, headers=headers, content_type="text/plain"
    )


FAILING = ("— failing", "errors in a row: ")
TEN_MB = b"<rss>" + b"x" * (10 * 1024 * 1024) + b"</rss>"
CASES = [
    Case(
        "/html-page",
        serve_file("html_page.html", "text/html; charset=utf-8"),
        (*FAILING, "last error: not an RSS or Atom feed (looks like an HTML page)"),
    ),
    Case(
        "/empty-body",
        lambda server, path: server.set(path, b""),
        (*FAILING, "last error: not an RSS or Atom feed (the document is empty)"),
    ),
    Case(  # malformed, but its complete items parse: kept, and healthy
        "/truncated", serve_file("truncated.xml"), ("— ok", "stories: 4"), ("last error",)
    ),
    Case(  # declared windows-1251, really UTF-8: read as UTF-8
        "/wrong-encoding", serve_file("wrong_encoding.xml"), ("— ok", "stories: 3"), ("last error",)
    ),
    Case(  # against the default 5 MB cap
        "/ten-mb",
        lambda server, path: server.set(path, TEN_MB),
        (*FAILING, "body larger than 5 MB"),
    ),
    Case(
        "/slow",
        lambda server, path: server.set(path, feed_for(path), delay=4),
        (*FAILING, "last error: timed out after 1 s"),
    ),
    Case("/moved", redirect_chain, ("— ok", "/moved.twice"), ("/moved\n", "last error")),
    Case("/temporary", temporary_redirect, ("— ok", "/temporary\n"), (".elsewhere", "last error")),
    Case("/loop", redirect_loop, (*FAILING, "last error: redirect loop")),
    Case(
        "/not-found",
        lambda server, path: server.remove(path),
        (*FAILING, "last error: HTTP 404 Not Found"),
    ),
    Case("/gone", status(410), ("— disabled", "last error: HTTP 410 Gone"), ("next poll",)),
    Case("/error", status(500), (*FAILING, "last error: HTTP 500 Internal Server Error")),
    Case(
        "/rate-limited",
        status(429, **{"Retry-After": "120"}),
        (*FAILING, "HTTP 429 Too Many Requests (retry after 120 s)", "next poll: in 2 min"),
    ),
]


async def test_broken_feeds_never_stop_the_bot_or_the_other_feeds(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    """Every failure at once, beside one healthy feed: each is shown for what it is."""
    feed_server.set("/healthy", rss_document([item(10)], title="Kabar Sehat"))
    for case in CASES:
        feed_server.set(case.path, feed_for(case.path))
    async with bot(replace(settings, fetch_timeout=1.0)) as svc:
        ids = {}
        for path in ["/healthy", *(c.path for c in CASES)]:
            added = await ask(fake_api, f"/addfeed {feed_server.url(path)}")
            assert "Added feed #" in added, added
            found = svc.store.find_feed(feed_server.url(path))
            assert found is not None
            ids[path] = found.id

        broke_at = time.time()
        for case in CASES:
            case.breakage(feed_server, case.path)
        for case in CASES:
            done = functools.partial(polled_since, svc, ids[case.path], broke_at)
            await until(f"a poll of {case.path}", done)
        gone_polls = len(feed_server.requests("/gone"))
        retry_polls = len(feed_server.requests("/rate-limited"))
        await polled(feed_server, "/healthy", 2)  # the healthy feed keeps being polled

        shown = await feeds_shown(fake_api, max(ids.values()))  # ...and the bot answers
        assert shown.startswith(f"{len(CASES) + 1} feeds: ")
        assert "— ok" in block_of(shown, ids["/healthy"])
        wrong = []
        for case in CASES:
            block = block_of(shown, ids[case.path])
            wrong += [f"{case.path}: {t!r} missing" for t in case.shown if t not in block + "\n"]
            wrong += [f"{case.path}: {t!r} shown" for t in case.not_shown if t in block + "\n"]
        assert not wrong, "\n".join(wrong) + "\n\n" + shown

        # 410: disabled, never polled again, the admins told once. 429: Retry-After honoured.
        assert len(feed_server.requests("/gone")) == gone_polls
        assert len(feed_server.requests("/rate-limited")) == retry_polls
        told = [text_of(m) for m in fake_api.messages(ADMIN)]
        [gone] = [t for t in told if "is disabled" in t]
        assert f"⚫ Feed #{ids['/gone']} Kabar gone is disabled: HTTP 410 Gone" in gone
        failing = [t.split(" is failing")[0] for t in told if "is failing" in t]
        assert len(failing) == len(set(failing)), told  # once per feed, never a stream
        # A permanent move is followed from then on; a temporary one is not.
        assert len(feed_server.requests("/moved")) == 2  # /addfeed, then the poll that moved
        assert len(feed_server.requests("/moved.once")) == 1
        assert len(feed_server.requests("/temporary")) > 2


async def test_truncated_and_misdeclared_feeds_keep_their_stories_readable(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/truncated.xml", (FIXTURES / "truncated.xml").read_bytes())
    feed_server.set("/encoding.xml", (FIXTURES / "wrong_encoding.xml").read_bytes())
    async with bot(settings):
        added = await ask(fake_api, f"/addfeed {feed_server.url('/truncated.xml')}")
        assert "Added feed #1 Kabar Kaukasus" in added and "2 current stories" in added
        added = await ask(fake_api, f"/addfeed {feed_server.url('/encoding.xml')}")
        assert "Kabar Kaukasus – Dunia" in added  # the EN DASH survives, no mojibake
        latest = await ask(fake_api, "/latest")
        assert "Serangan Baru di Nagorno–Karabakh" in latest
        assert "Pengungsi dari Stepanakert Tiba di Yerevan" in latest


async def test_addfeed_explains_what_is_wrong_and_finds_feeds_on_pages(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/site/", (FIXTURES / "html_page.html").read_bytes(), content_type="text/html")
    feed_server.set("/rss/internasional.xml", (FIXTURES / "serambinews_rss.xml").read_bytes())
    feed_server.set("/empty.xml", b"")
    feed_server.set("/big.xml", b"<rss>" + b"x" * (10 * 1024 * 1024) + b"</rss>")
    feed_server.set("/gone.xml", b"gone", status=410)
    feed_server.set("/slow.xml", GOOD, delay=4)
    feed_server.redirect("/loop-a.xml", "/loop-b.xml")
    feed_server.redirect("/loop-b.xml", "/loop-a.xml")
    async with bot(replace(settings, fetch_timeout=1.0)):
        found = await ask(fake_api, f"/addfeed {feed_server.url('/site/')}")
        assert "Added feed #1" in found and feed_server.url("/rss/internasional.xml") in found
        for path, reason in [
            ("/empty.xml", "it is not an RSS or Atom feed (the document is empty)"),
            ("/big.xml", "could not fetch it: body larger than 5 MB"),
            ("/gone.xml", "could not fetch it: HTTP 410 Gone"),
            ("/loop-a.xml", "could not fetch it: redirect loop"),
            ("/missing.xml", "could not fetch it: HTTP 404 Not Found"),
        ]:
            assert f"Not added: {reason}" in await ask(
                fake_api, f"/addfeed {feed_server.url(path)}"
            )

        # A slow server holds up only its own /addfeed: /feeds is answered meanwhile.
        before = len(fake_api.messages(DESK))
        fake_api.send_text(DESK, f"/addfeed {feed_server.url('/slow.xml')}", user_id=ADMIN)
        await asyncio.sleep(0.2)
        fake_api.send_text(DESK, "/feeds", user_id=ADMIN)
        sent = await fake_api.wait_for_messages(DESK, before + 2, timeout=20)
        first, second = (text_of(m) for m in sent[before : before + 2])
        assert "1 feed: 1 ok" in first
        assert "Not added: could not fetch it: timed out after 1 s" in second


async def test_admins_hear_once_when_a_feed_fails_and_once_when_it_recovers(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/healthy.xml", rss_document([item(10)]))
    feed_server.set("/flaky.xml", GOOD)
    async with bot(settings) as svc:
        await ask(fake_api, f"/addfeed {feed_server.url('/healthy.xml')}")
        await ask(fake_api, f"/addfeed {feed_server.url('/flaky.xml')}")
        feed_server.set("/flaky.xml", b"oops", status=500)

        # Three errors in a row (with back-off between them): one message, to the admin.
        [alarm] = await fake_api.wait_for_messages(ADMIN, 1, timeout=30)
        assert "🔴 Feed #2 Kabar Baik is failing: HTTP 500 Internal Server Error" in text_of(alarm)
        assert "3 errors in a row" in text_of(alarm)
        shown = block_of(await ask(fake_api, "/feeds"), 2)
        assert "— failing" in shown and "errors in a row: 3" in shown

        # Paused: not polled, shown as paused; resumed: polled at once, still failing: no news.
        assert "Paused #2" in await ask(fake_api, "/pausefeed 2")
        assert "— paused" in block_of(await ask(fake_api, "/feeds"), 2)
        count = len(feed_server.requests("/flaky.xml"))
        await polled(feed_server, "/healthy.xml", 1)
        assert len(feed_server.requests("/flaky.xml")) == count
        assert "Resumed #2" in await ask(fake_api, f"/resumefeed {feed_server.url('/flaky.xml')}")
        await until("the fourth error", lambda: feed_of(svc, 2).errors_in_row == 4)
        assert "errors in a row: 4" in block_of(await ask(fake_api, "/feeds"), 2)

        # It comes back: one more message, and the stream stops there.
        feed_server.set("/flaky.xml", rss_document([item(3), item(1)], title="Kabar Baik"))
        await ask(fake_api, "/pausefeed 2")
        await ask(fake_api, "/resumefeed 2")
        [_, recovered] = await fake_api.wait_for_messages(ADMIN, 2, timeout=20)
        assert "🟢 Feed #2 Kabar Baik recovered after 4 errors in a row" in text_of(recovered)
        assert "(the last: HTTP 500 Internal Server Error)" in text_of(recovered)
        await polled(feed_server, "/flaky.xml", 1)
        assert len(fake_api.messages(ADMIN)) == 2
        assert "— ok" in block_of(await ask(fake_api, "/feeds"), 2)


async def test_private_addresses_are_refused_unless_allowed(
    fake_api: FakeBotApi,
    feed_server: FeedServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The "public" server stands in for a site on the internet: its port passes the address
    # check; everything else on loopback is what it is, a private address.
    public = FeedServer()
    public.start()
    try:

        async def check(url: str, *, allow_private: bool) -> None:
            if f":{public.port}/" not in url:
                await check_destination(url, allow_private=allow_private)

        monkeypatch.setattr(fetch_module, "check_destination", check)
        # The connect-time guard (tests/test_guarded_backend.py) would see through the
        # stand-in; here the per-hop check above is what is under test.
        monkeypatch.setattr(
            fetch_module,
            "guarded_transport",
            lambda limits: httpx.AsyncHTTPTransport(limits=limits),
        )
        public.set("/news.xml", rss_document([item(10)]))
        public.set("/moving.xml", GOOD)
        feed_server.set("/intranet.xml", GOOD)
        async with bot(replace(settings, allow_private_urls=False)) as svc:
            refused = await ask(fake_api, f"/addfeed {feed_server.url('/intranet.xml')}")
            assert "Not added: refusing a loopback address (127.0.0.1)" in refused
            assert "ALERTBOT_ALLOW_PRIVATE_URLS=1 allows them" in refused
            assert not feed_server.requests("/intranet.xml")  # refused before any request
            assert "Added feed #1" in await ask(fake_api, f"/addfeed {public.url('/news.xml')}")
            assert "Added feed #2" in await ask(fake_api, f"/addfeed {public.url('/moving.xml')}")

            # A public feed redirecting into the private network is refused at that hop.
            broke_at = time.time()
            public.redirect("/moving.xml", feed_server.url("/intranet.xml"), 302)
            await until("the refused redirect", lambda: polled_since(svc, 2, broke_at))
            await polled(public, "/news.xml", 2)
            shown = block_of(await ask(fake_api, "/feeds"), 2)
            assert "redirected to an unsafe URL: refusing a loopback address" in shown
            assert not feed_server.requests("/intranet.xml")
    finally:
        public.stop()


async def test_feeds_list_is_split_below_telegrams_limit(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    app = build_application(settings)
    async with running(app):
        store = app.bot_data.services.store
        for n in range(60):
            feed = store.add_feed(f"https://feeds{n}.example/{'long-path/' * 20}rss", interval=60)
            store.update_feed(feed.id, FeedUpdate(next_poll=time.time() + 3600))  # not polled here
        before = len(fake_api.messages(DESK))
        fake_api.send_text(DESK, "/feeds", user_id=ADMIN)
        await fake_api.wait_for(lambda: len(fake_api.messages(DESK)) >= before + 4, timeout=20)
        await asyncio.sleep(0.5)
        sent = fake_api.messages(DESK)[before:]
        assert all(len(m.text) <= 4096 for m in sent)
        text = "\n\n".join(text_of(m) for m in sent)
        assert text.startswith("60 feeds:")
        assert all(f"#{n} " in text for n in range(1, 61))


async def test_the_daily_job_prunes_old_stories_and_their_search_entries(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    app = build_application(replace(settings, retention_days=7))
    async with running(app):
        store = app.bot_data.services.store
        feed = store.add_feed("https://kaukasus.example/rss", interval=3600)
        store.update_feed(feed.id, FeedUpdate(next_poll=time.time() + 3600))  # not polled here
        for guid, age_days in (("old", 8), ("recent", 6)):
            entry = Entry(
                guid=guid, link=f"https://kaukasus.example/{guid}", title=f"Gencatan {guid}"
            )
            add_stories(store, feed.id, [entry], now=time.time() - age_days * 86400)
        assert "Gencatan old" in await ask(fake_api, "/search gencatan")

        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name("prune")  # the daily job, run now
        await job.run(app)

        found = await ask(fake_api, "/search gencatan")
        assert "Gencatan recent" in found and "Gencatan old" not in found
        assert "No stored story matches" in await ask(fake_api, "/search old")
        assert store.count_stories() == 1


async def test_setinterval_and_removefeed_as_an_admin_uses_them(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/good.xml", GOOD)
    async with bot(settings):
        assert "Added feed #1" in await ask(fake_api, f"/addfeed {feed_server.url('/good.xml')}")
        set_to = await ask(fake_api, "/setinterval 1 15")
        assert set_to.startswith("⏱ #1 Kabar Baik is polled every 15 min; next poll: in ")
        assert "every 15 min" in block_of(await feeds_shown(fake_api, 1), 1)
        assert "from 1 to 1440" in await ask(fake_api, "/setinterval 1 0")
        assert "No feed is 7" in await ask(fake_api, "/setinterval 7 5")
        assert "Usage: /setinterval" in await ask(fake_api, "/setinterval 1")

        removed = await ask(fake_api, "/removefeed 1")
        assert removed.startswith("🗑 Removed #1 Kabar Baik: no longer polled or listed.")
        assert "No feeds yet" in await ask(fake_api, "/feeds")  # not a "disabled" feed
        assert "Berita 1" in await ask(fake_api, "/search berita")  # its stories stay
        assert "No feed is 1" in await ask(fake_api, "/pausefeed 1")
        polls = len(feed_server.requests("/good.xml"))
        await asyncio.sleep(1.5)  # a few ticks: it is never polled again
        assert len(feed_server.requests("/good.xml")) == polls
        again = await ask(fake_api, f"/addfeed {feed_server.url('/good.xml')}")
        assert "Added feed #1" in again  # the same feed, its stories and identity kept
        assert "1 feed: 1 ok" in await ask(fake_api, "/feeds")


async def test_an_indonesian_admin_manages_feeds_in_indonesian(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    fake_api.set_language(ADMIN, "id")
    feed_server.set("/good.xml", GOOD)
    async with bot(settings):
        added = await ask(fake_api, f"/addfeed {feed_server.url('/good.xml')}")
        assert added.startswith("✅ Feed #1 Kabar Baik ditambahkan")
        assert "2 berita saat ini disimpan (bisa dicari, tanpa peringatan)." in added
        listed = await ask(fake_api, "/feeds")
        assert listed.startswith("1 buah feed: 1 baik") and "berita: 2 · tiap" in listed
        assert "Tidak ditambahkan: tidak bisa mengambilnya: HTTP 404 Not Found" in await ask(
            fake_api, f"/addfeed {feed_server.url('/missing.xml')}"
        )
        stats = await ask(fake_api, "/stats")
        assert stats.startswith("Statistik AlertBot\nfeed: 1\nberita: 2")
        assert "⏸ #1 Kabar Baik dijeda." in await ask(fake_api, "/pausefeed 1")
