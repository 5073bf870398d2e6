"""Logs name a feed by host and path: query strings (API keys) and credentials stay out."""

from __future__ import annotations

import logging

import pytest

from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds.fetch import FetchOptions, make_client
from alertbot.feeds.logsafe import loggable
from alertbot.matching import Aliases
from alertbot.matching.subscriptions import SubscriptionIndex
from alertbot.refresh.pipeline import refresh_feed
from alertbot.store import Store


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.com/rss", "example.com/rss"),
        ("https://example.com/rss?apikey=SECRET&x=1", "example.com/rss?…"),
        ("https://user:pass@example.com:8443/feed#frag", "example.com:8443/feed"),
        ("http://[::1]:8080/a", "[::1]:8080/a"),
        ("https://example.com", "example.com/"),
        ("http://example.com:99999/x", "(malformed URL)"),
    ],
)
def test_loggable(url: str, shown: str) -> None:
    assert loggable(url) == shown
    assert "SECRET" not in loggable(url) and "pass" not in loggable(url)


async def test_refresh_logs_never_show_a_feeds_query_string(
    fresh_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with FeedServer() as server:
        server.set("/rss", b"oops", status=503)
        url = server.url("/rss") + "?apikey=SECRET-KEY"
        feed = fresh_store.add_feed(url, title="", interval=60)
        async with make_client(FetchOptions(allow_private=True)) as client:
            with caplog.at_level(logging.INFO, logger="alertbot"):  # httpx is held at WARNING
                result = await refresh_feed(
                    feed,
                    client=client,
                    store=fresh_store,
                    subscriptions=SubscriptionIndex.build([], Aliases.empty()),
                    options=FetchOptions(allow_private=True),
                )
    assert result.error == "HTTP 503 Service Unavailable"
    assert f"feed 127.0.0.1:{server.port}/rss?… failed" in caplog.text
    assert "SECRET-KEY" not in caplog.text
