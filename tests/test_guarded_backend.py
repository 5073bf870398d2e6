"""DNS rebinding: the address connected to is the address that was checked."""

from __future__ import annotations

import httpx
import pytest

from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds import urlsafety
from alertbot.feeds.fetch import FetchError, FetchOptions, fetch_feed
from alertbot.feeds.guarded_backend import guarded_transport


class RebindingDns:
    """Answers a public address the first time, then the bot's own loopback."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return ["93.184.216.34"] if self.calls == 1 else ["127.0.0.1"]


async def test_a_name_that_rebinds_to_loopback_is_never_connected_to(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_server.set("/feed.xml", b"<rss version='2.0'><channel><title>x</title></channel></rss>")
    dns = RebindingDns()
    monkeypatch.setattr(urlsafety, "system_resolver", dns)  # the safety check's lookup
    limits = httpx.Limits(max_connections=5)
    async with httpx.AsyncClient(transport=guarded_transport(limits, resolve=dns)) as client:
        with pytest.raises(FetchError, match="refusing a loopback address"):
            await fetch_feed(
                client,
                f"http://rebind.test:{feed_server.port}/feed.xml",
                options=FetchOptions(allow_private=False, timeout=5),
            )
    assert dns.calls == 2  # checked once, then resolved again at connect: refused there
    assert feed_server.requests("/feed.xml") == []


async def test_the_backend_itself_refuses_a_private_address() -> None:
    seen: list[tuple[str, int]] = []

    async def public(host: str, port: int) -> list[str]:
        seen.append((host, port))
        return ["10.0.0.1"]

    limits = httpx.Limits(max_connections=5)
    async with httpx.AsyncClient(transport=guarded_transport(limits, resolve=public)) as client:
        with pytest.raises(httpx.ConnectError, match="refusing a private address"):
            await client.get("http://intranet.test/feed.xml")
    assert seen == [("intranet.test", 80)]


async def test_a_checked_address_is_fetched_through_the_guarded_transport(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transport is a whole httpx transport: status, headers, body, keep-alive."""
    from alertbot.feeds import guarded_backend

    monkeypatch.setattr(guarded_backend, "refusal", lambda address: None)  # loopback allowed

    async def loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    body = b"<rss version='2.0'><channel><title>x</title></channel></rss>"
    feed_server.set("/feed.xml", body)
    limits = httpx.Limits(max_connections=5)
    async with httpx.AsyncClient(transport=guarded_transport(limits, resolve=loopback)) as client:
        for _ in range(2):
            response = await client.get(f"http://feeds.test:{feed_server.port}/feed.xml")
            assert response.status_code == 200
            assert response.content == body
    assert len(feed_server.requests("/feed.xml")) == 2
