"""Unchanged bodies cost a hash: a 200 with the bytes parsed last time is not parsed again."""

from __future__ import annotations

from pathlib import Path

from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds.fetch import FetchOptions, make_client
from alertbot.feeds.parse_pool import parse_here
from alertbot.matching.subscriptions import SubscriptionIndex
from alertbot.models import Feed, FeedState, ParsedFeed
from alertbot.refresh.pipeline import RefreshResult, refresh_feed
from alertbot.store import Store

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


class CountingParser:
    """parse_here, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(
        self, content: bytes, *, base_url: str, content_type: str | None
    ) -> ParsedFeed:
        self.calls += 1
        return await parse_here(content, base_url=base_url, content_type=content_type)


async def refresh(store: Store, feed_id: int, parse: CountingParser) -> RefreshResult:
    feed = store.get_feed(feed_id)
    assert isinstance(feed, Feed)
    options = FetchOptions(allow_private=True)
    async with make_client(options) as client:
        return await refresh_feed(
            feed,
            client=client,
            store=store,
            subscriptions=SubscriptionIndex(),
            options=options,
            parse=parse,
        )


async def test_the_same_body_again_is_not_parsed(
    fresh_store: Store, feed_server: FeedServer
) -> None:
    body = (FEEDS / "serambinews_rss.xml").read_bytes()
    feed_server.set("/rss", body, etag=None)  # a server that ignores conditional requests
    feed = fresh_store.add_feed(feed_server.url("/rss"), interval=60)
    parse = CountingParser()

    first = await refresh(fresh_store, feed.id, parse)
    assert first.new_stories == 3 and parse.calls == 1
    second = await refresh(fresh_store, feed.id, parse)
    assert second.not_modified and second.new_stories == 0 and second.error is None
    assert parse.calls == 1  # fetched, hashed, not parsed
    polled = fresh_store.get_feed(feed.id)
    assert polled is not None and polled.state is FeedState.OK and polled.story_count == 3

    feed_server.set("/rss", body.replace(b"<ttl>15</ttl>", b"<ttl>20</ttl>"), etag=None)
    third = await refresh(fresh_store, feed.id, parse)
    assert parse.calls == 2 and not third.not_modified  # one byte changed: parsed again


async def test_a_body_that_did_not_parse_is_not_remembered(
    fresh_store: Store, feed_server: FeedServer
) -> None:
    feed_server.set("/rss", (FEEDS / "html_page.html").read_bytes(), etag=None)
    feed = fresh_store.add_feed(feed_server.url("/rss"), interval=60)
    parse = CountingParser()
    for attempt in (1, 2):
        result = await refresh(fresh_store, feed.id, parse)
        assert result.error and "HTML page" in result.error
        assert parse.calls == attempt
    assert fresh_store.feed_body_hash(feed.id) is None


async def test_a_304_keeps_the_last_hash(fresh_store: Store, feed_server: FeedServer) -> None:
    feed_server.set("/rss", (FEEDS / "mingachevir_atom.xml").read_bytes())  # with an ETag
    feed = fresh_store.add_feed(feed_server.url("/rss"), interval=60)
    parse = CountingParser()
    await refresh(fresh_store, feed.id, parse)
    stored = fresh_store.feed_body_hash(feed.id)
    assert stored is not None and len(stored) == 32
    assert (await refresh(fresh_store, feed.id, parse)).not_modified  # a real 304 this time
    assert fresh_store.feed_body_hash(feed.id) == stored and parse.calls == 1
