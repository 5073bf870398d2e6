"""The loopback feed server (conditional GET, redirects, delay, gzip) and the seed feed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser
import httpx
import pytest

from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import (
    RssItem,
    load_seed_stories,
    rss_document,
    seed_item,
)

RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title></channel></rss>"


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


async def test_etag_round_trip_answers_304(feeds: FeedServer) -> None:
    feeds.set("news.xml", RSS)
    async with httpx.AsyncClient() as client:
        first = await client.get(feeds.url("news.xml"))
        etag = first.headers["ETag"]
        second = await client.get(feeds.url("/news.xml"), headers={"If-None-Match": etag})
        feeds.set("news.xml", RSS.replace(b">T<", b">T2<"))
        third = await client.get(feeds.url("news.xml"), headers={"If-None-Match": etag})

    assert (first.status_code, first.content) == (200, RSS)
    assert first.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert (second.status_code, second.content) == (304, b"")
    assert third.status_code == 200 and third.headers["ETag"] != etag
    sent = [r.header("If-None-Match") for r in feeds.requests("news.xml")]
    assert sent == [None, etag, etag]


async def test_last_modified_round_trip_answers_304(feeds: FeedServer) -> None:
    feeds.set("a.xml", RSS, etag=None, last_modified=datetime(2020, 10, 5, 12, 0, tzinfo=UTC))
    async with httpx.AsyncClient() as client:
        first = await client.get(feeds.url("a.xml"))
        since = first.headers["Last-Modified"]
        second = await client.get(feeds.url("a.xml"), headers={"If-Modified-Since": since})
    assert since == "Mon, 05 Oct 2020 12:00:00 GMT" and "ETag" not in first.headers
    assert second.status_code == 304


async def test_redirect_remove_and_status(feeds: FeedServer) -> None:
    feeds.set("new.xml", RSS)
    feeds.redirect("old.xml", "new.xml")
    feeds.set("gone.xml", b"", status=410)
    async with httpx.AsyncClient(follow_redirects=True) as client:
        moved = await client.get(feeds.url("old.xml"))
        gone = await client.get(feeds.url("gone.xml"))
        feeds.remove("new.xml")
        missing = await client.get(feeds.url("new.xml"))
    assert moved.status_code == 200 and moved.content == RSS
    assert [(r.status_code, r.headers["Location"]) for r in moved.history] == [
        (301, feeds.url("new.xml"))
    ]
    assert gone.status_code == 410
    assert missing.status_code == 404


async def test_delay_holds_the_answer(feeds: FeedServer) -> None:
    feeds.set("slow.xml", RSS, delay=0.5)
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(feeds.url("slow.xml"), timeout=0.1)
        started = time.monotonic()
        answer = await client.get(feeds.url("slow.xml"), timeout=10)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.45


async def test_gzip_when_the_client_accepts_it(feeds: FeedServer) -> None:
    feeds.set("big.xml", RSS * 50, gzip=True)
    async with httpx.AsyncClient() as client:
        zipped = await client.get(feeds.url("big.xml"))
        plain = await client.get(feeds.url("big.xml"), headers={"Accept-Encoding": "identity"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) < len(RSS) * 50
    assert zipped.content == plain.content == RSS * 50
    assert "Content-Encoding" not in plain.headers


async def test_a_restarted_server_keeps_its_address(feeds: FeedServer) -> None:
    feeds.set("news.xml", RSS)
    url = feeds.url("news.xml")
    feeds.stop()
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)
        feeds.start()
        assert (await client.get(url)).content == RSS


def test_seed_stories_have_their_headlines_and_bodies() -> None:
    first, second = load_seed_stories()
    assert first.section == "Perang Azerbaijan dan Armenia"
    assert first.title == "Azerbaijan Klaim Tentara Armenia Akui Kekalahan"
    assert first.paragraphs[-1].startswith("Baca juga: Kasus Baru Covid-19")
    assert second.title == "Perang Terus Berkecamuk, Armenia Merudal Kota Mingachevir Azerbaijan"
    assert "Nagorno–Karabakh" in second.body
    assert second.paragraphs[-2:] == ("0 Komentar", "close")


def test_rss_document_parses_back_with_feedparser() -> None:
    stories = load_seed_stories()
    when = datetime(2020, 10, 5, 9, 30, tzinfo=UTC)
    items = [
        seed_item(s, link=f"http://127.0.0.1/story/{i}", published=when)
        for i, s in enumerate(stories)
    ]
    items.append(
        RssItem(
            "tricky-1", "Fish & <Chips>", "http://127.0.0.1/x?a=1&b=2", "<p>a &amp; b</p>", when
        )
    )

    parsed = feedparser.parse(rss_document(items, title="Demo & News"))

    assert not parsed.bozo
    assert parsed.feed.title == "Demo & News"
    assert [e.title for e in parsed.entries] == [s.title for s in stories] + ["Fish & <Chips>"]
    second = parsed.entries[1]
    assert "Nagorno–Karabakh" in second.content[0].value
    assert second.link == "http://127.0.0.1/story/1" and second.id == second.link
    assert second.published_parsed[:5] == (2020, 10, 5, 9, 30)
    assert parsed.entries[2].link == "http://127.0.0.1/x?a=1&b=2"
    assert len(parsed.entries[0].summary) <= 200
