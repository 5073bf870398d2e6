"""Compression bombs and broken validators against the real fetcher on loopback.

The body-size cap counts decoded bytes as they are produced, so a response that inflates
to gigabytes costs no more memory than a few times the cap; stacked codings are refused.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds.fetch import FetchError, FetchOptions, fetch_feed, make_client
from alertbot.feeds.http_headers import valid_validator

MB = 1024 * 1024
CAP = 1 * MB
OPTIONS = FetchOptions(allow_private=True, max_bytes=CAP)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


def zeros_gzipped(size: int, *, wbits: int = zlib.MAX_WBITS | 16) -> bytes:
    """`size` zero bytes compressed, without ever holding them (a bomb's payload)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * MB
    parts = [packer.compress(block) for _ in range(size // MB)]
    return b"".join(parts) + packer.flush()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    feeds.start()
    yield feeds
    feeds.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(OPTIONS) as http:
        yield http


async def peak_of_fetch(client: httpx.AsyncClient, url: str) -> tuple[str, int]:
    """The error the fetch ends with, and the peak memory Python allocated meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            await fetch_feed(client, url, options=OPTIONS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(caught.value), peak


@pytest.mark.parametrize("layers", [2, 3])
async def test_stacked_gzip_bombs_are_refused_in_bounded_memory(
    server: FeedServer, client: httpx.AsyncClient, layers: int
) -> None:
    body = zeros_gzipped(256 * MB)  # 256 MB of zeros in about 250 KB...
    for _ in range(layers - 1):
        body = gzip.compress(body)  # ...and in a few KB once gzipped again
    assert len(body) < 300_000
    coding = ", ".join(["gzip"] * layers)
    server.set("/bomb.xml", body, headers={"Content-Encoding": coding}, etag=None)
    error, peak = await peak_of_fetch(client, server.url("/bomb.xml"))
    assert error == f"refusing stacked content codings ({coding})"
    assert peak < 4 * CAP


@pytest.mark.parametrize(
    ("coding", "wbits"),
    [("gzip", zlib.MAX_WBITS | 16), ("deflate", zlib.MAX_WBITS), ("deflate", -zlib.MAX_WBITS)],
)
async def test_a_single_layer_bomb_stops_at_the_cap_in_bounded_memory(
    server: FeedServer, client: httpx.AsyncClient, coding: str, wbits: int
) -> None:
    server.set(
        "/bomb.xml",
        zeros_gzipped(512 * MB, wbits=wbits),
        headers={"Content-Encoding": coding},
        etag=None,
    )
    error, peak = await peak_of_fetch(client, server.url("/bomb.xml"))
    assert error == "body larger than 1 MB"
    assert peak < 4 * CAP


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS | 16, zlib.MAX_WBITS, -zlib.MAX_WBITS])
async def test_compressed_feeds_still_decode(
    server: FeedServer, client: httpx.AsyncClient, wbits: int
) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = packer.compress(FEED) + packer.flush()
    coding = "gzip" if wbits > zlib.MAX_WBITS else "deflate"
    server.set("/feed.xml", body, headers={"Content-Encoding": f"identity, {coding}"})
    fetched = await fetch_feed(client, server.url("/feed.xml"), options=OPTIONS)
    assert fetched.content == FEED


async def test_unknown_and_corrupt_codings_are_errors(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/br.xml", b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="unsupported content coding 'br'"):
        await fetch_feed(client, server.url("/br.xml"), options=OPTIONS)
    server.set("/bad.xml", b"\x1f\x8b not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="cannot decode the compressed body"):
        await fetch_feed(client, server.url("/bad.xml"), options=OPTIONS)


async def test_the_client_asks_only_for_codings_it_decodes(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed.xml", FEED)
    await fetch_feed(client, server.url("/feed.xml"), options=OPTIONS)
    [request] = server.requests("/feed.xml")
    assert request.header("Accept-Encoding") == "gzip, deflate"


async def test_a_non_ascii_etag_is_dropped_and_never_sent_back(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed.xml", FEED, etag='"caf\u00e9"')
    fetched = await fetch_feed(client, server.url("/feed.xml"), options=OPTIONS)
    assert fetched.content == FEED and fetched.etag is None
    # A validator stored before this fix is not sent: the feed is fetched in full.
    again = await fetch_feed(
        client, server.url("/feed.xml"), etag='"caf\u00e9"', last_modified="\u00fc", options=OPTIONS
    )
    assert again.content == FEED
    assert server.requests("/feed.xml")[-1].header("If-None-Match") is None


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ('"abc"', True),
        ('W/"abc-123"', True),
        ("Wed, 21 Oct 2015 07:28:00 GMT", True),
        ('"caf\u00e9"', False),
        ('"a\r\nX-Injected: 1"', False),
        ("", False),
        (None, False),
        ('"' + "x" * 2000 + '"', False),
    ],
)
def test_valid_validator(value: str | None, kept: bool) -> None:
    assert valid_validator(value) == (value if kept else None)
