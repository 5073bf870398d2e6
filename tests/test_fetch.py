"""Fetching over real HTTP on a loopback FeedServer (httpx.MockTransport for protocol cases)."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

import alertbot
from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds import urlsafety
from alertbot.feeds.fetch import (
    USER_AGENT,
    FeedGone,
    FetchError,
    FetchOptions,
    UnsafeFeedURL,
    fetch_feed,
    make_client,
)
from alertbot.feeds.http_headers import parse_retry_after

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
MB = 1024 * 1024
LOOPBACK = FetchOptions(allow_private=True)


def paths(server: FeedServer) -> list[str]:
    return [request.path for request in server.requests()]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feeds:
        yield feeds


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(LOOPBACK) as c:
        yield c


# --- success, conditional GET, compression -------------------------------------------------


async def test_200_returns_the_body_and_the_validators(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set(
        "/feed.xml",
        FEED,
        content_type="application/rss+xml; charset=utf-8",
        etag='"v1"',
        last_modified=datetime(2020, 10, 5, 2, 30, tzinfo=UTC),  # Mon, 05 Oct 2020 02:30:00 GMT
        headers={"Cache-Control": "public, max-age=600"},
    )
    fetched = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert fetched.content == FEED
    assert fetched.url == server.url("/feed.xml")
    assert not fetched.not_modified
    assert fetched.etag == '"v1"'
    assert fetched.last_modified == "Mon, 05 Oct 2020 02:30:00 GMT"
    assert fetched.content_type == "application/rss+xml; charset=utf-8"
    assert fetched.permanent_url is None
    assert fetched.max_age == 600
    headers = server.requests()[0].headers
    assert headers["user-agent"] == USER_AGENT
    assert "application/rss+xml" in headers["accept"]
    assert "gzip" in headers["accept-encoding"]
    assert "if-none-match" not in headers and "if-modified-since" not in headers


def test_user_agent_names_the_bot_and_its_home() -> None:
    assert f"AlertBot/{alertbot.__version__} (+{alertbot.PROJECT_URL})" == USER_AGENT


async def test_304_with_etag(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed.xml", FEED, etag='"abc"')  # 304 when If-None-Match matches
    first = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    again = await fetch_feed(client, server.url("/feed.xml"), etag=first.etag, options=LOOPBACK)
    assert again.not_modified and again.content is None
    assert again.etag == '"abc"'
    assert server.requests()[1].headers["if-none-match"] == '"abc"'


async def test_304_with_last_modified(server: FeedServer, client: httpx.AsyncClient) -> None:
    stamp = "Thu, 05 Nov 2020 14:15:00 GMT"
    server.set(
        "/feed.xml", FEED, etag=None, last_modified=datetime(2020, 11, 5, 14, 15, tzinfo=UTC)
    )
    first = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert first.last_modified == stamp and first.etag is None
    again = await fetch_feed(
        client, server.url("/feed.xml"), last_modified=first.last_modified, options=LOOPBACK
    )
    assert again.not_modified and again.content is None
    assert again.last_modified == stamp
    assert server.requests()[1].headers["if-modified-since"] == stamp


async def test_304_without_validators_keeps_the_ones_sent(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed.xml", b"", status=304, etag=None)
    fetched = await fetch_feed(
        client, server.url("/feed.xml"), etag='"e"', last_modified="yesterday", options=LOOPBACK
    )
    assert (fetched.not_modified, fetched.etag, fetched.last_modified) == (True, '"e"', "yesterday")


async def test_a_fetch_without_validators_sends_no_conditional_headers(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/", b"<html></html>", content_type="text/html")
    fetched = await fetch_feed(client, server.url("/"), options=LOOPBACK)
    assert fetched.content == b"<html></html>"
    assert "if-none-match" not in server.requests()[0].headers


async def test_gzip_body_is_decompressed(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed.xml", gzip.compress(FEED), headers={"Content-Encoding": "gzip"})
    fetched = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert fetched.content == FEED


# --- size cap -------------------------------------------------------------------------------


def streamed(server: FeedServer, path: str, total: int, chunk: int = 64 * 1024) -> None:
    """A chunked body of `total` bytes with no Content-Length: only streaming can cap it."""
    server.set(path, b"x" * total, chunk=chunk)


CAPPED = FetchOptions(allow_private=True, max_bytes=1 * MB)


async def test_streamed_body_over_the_cap_is_refused(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    streamed(server, "/big.xml", 2 * MB)
    with pytest.raises(FetchError, match=r"^body larger than 1 MB$"):
        await fetch_feed(client, server.url("/big.xml"), options=CAPPED)


async def test_declared_length_over_the_cap_is_refused_before_reading(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/big.xml", b"x" * (2 * MB))  # tornado declares its Content-Length
    with pytest.raises(FetchError, match=r"^body larger than 1 MB$"):
        await fetch_feed(client, server.url("/big.xml"), options=CAPPED)


async def test_gzip_bomb_is_capped_on_the_decompressed_size(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    bomb = gzip.compress(b"\0" * (2 * MB))
    assert len(bomb) < 10_000
    server.set("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match=r"^body larger than 1 MB$"):
        await fetch_feed(client, server.url("/bomb.xml"), options=CAPPED)


async def test_the_cap_stops_the_download_early() -> None:
    pulled: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(32):  # 2 MB in 64 KB chunks
            pulled.append(1)
            yield b"x" * (64 * 1024)

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body()))
    async with httpx.AsyncClient(transport=transport) as mock:
        with pytest.raises(FetchError, match="body larger than 1 MB"):
            await fetch_feed(mock, "http://127.0.0.1/big.xml", options=CAPPED)
    assert len(pulled) <= 17  # 16 chunks fill the cap, the 17th crosses it: no more is read


async def test_a_body_exactly_at_the_cap_is_fine(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    streamed(server, "/edge.xml", 1 * MB)
    fetched = await fetch_feed(client, server.url("/edge.xml"), options=CAPPED)
    assert fetched.content is not None and len(fetched.content) == MB


# --- deadlines ------------------------------------------------------------------------------


def slow(server: FeedServer, path: str, *, headers_first: bool) -> None:
    """Never finishes within a test: silent, or trickling a byte every 50 ms."""
    if headers_first:
        server.set(path, b"x" * 100_000, chunk=1, interval=0.05)  # 5000 s
    else:
        server.set(path, FEED, delay=3600)  # until the server stops


@pytest.mark.parametrize("headers_first", [False, True], ids=["silent", "trickle"])
async def test_slow_server_hits_the_total_deadline(
    server: FeedServer, client: httpx.AsyncClient, headers_first: bool
) -> None:
    # The read timeout never fires on a trickle; only the total deadline stops it.
    slow(server, "/slow.xml", headers_first=headers_first)
    options = FetchOptions(allow_private=True, timeout=0.5, read_timeout=10.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 0\.5 s$"):
        await fetch_feed(client, server.url("/slow.xml"), options=options)
    assert time.monotonic() - started < 8  # far below the 10 s read timeout


async def test_read_timeout_is_reported(server: FeedServer, client: httpx.AsyncClient) -> None:
    slow(server, "/slow.xml", headers_first=False)
    options = FetchOptions(allow_private=True, timeout=10.0, read_timeout=0.3)
    with pytest.raises(FetchError, match=r"^no data for 0\.3 s$"):
        await fetch_feed(client, server.url("/slow.xml"), options=options)


# --- redirects ------------------------------------------------------------------------------


async def test_301_chain_reports_the_permanent_url(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.redirect("/old.xml", "/older.xml", 301, relative=True)
    server.redirect("/older.xml", server.url("/feed.xml"), 308)
    server.set("/feed.xml", FEED)
    fetched = await fetch_feed(client, server.url("/old.xml"), options=LOOPBACK)
    assert fetched.content == FEED
    assert fetched.url == server.url("/feed.xml")
    assert fetched.permanent_url == server.url("/feed.xml")
    assert paths(server) == ["/old.xml", "/older.xml", "/feed.xml"]


@pytest.mark.parametrize(
    "chain", [[302], [307], [301, 302], [302, 301]], ids=["302", "307", "301-302", "302-301"]
)
async def test_temporary_hop_means_no_permanent_url(
    server: FeedServer, client: httpx.AsyncClient, chain: list[int]
) -> None:
    for i, status in enumerate(chain):
        server.redirect(f"/r{i}", f"/r{i + 1}", status, relative=True)
    server.set(f"/r{len(chain)}", FEED)
    fetched = await fetch_feed(client, server.url("/r0"), options=LOOPBACK)
    assert fetched.content == FEED
    assert fetched.url == server.url(f"/r{len(chain)}")
    assert fetched.permanent_url is None


async def test_conditional_headers_follow_redirects(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.redirect("/old.xml", "/feed.xml", 301, relative=True)
    server.set("/feed.xml", FEED, etag='"v2"')
    fetched = await fetch_feed(client, server.url("/old.xml"), etag='"v2"', options=LOOPBACK)
    assert fetched.not_modified
    assert fetched.permanent_url == server.url("/feed.xml")


async def test_redirect_loop(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.redirect("/a", "/b", 302, relative=True)
    server.redirect("/b", "/a", 302, relative=True)
    with pytest.raises(FetchError, match=r"^redirect loop$"):
        await fetch_feed(client, server.url("/a"), options=LOOPBACK)
    assert paths(server) == ["/a", "/b"]


async def test_too_many_redirects(server: FeedServer, client: httpx.AsyncClient) -> None:
    for i in range(10):
        server.redirect(f"/r{i}", f"/r{i + 1}", 301, relative=True)
    with pytest.raises(FetchError, match=r"^too many redirects$"):
        await fetch_feed(client, server.url("/r0"), options=LOOPBACK)
    assert len(server.requests()) == LOOPBACK.max_redirects + 1


async def test_redirect_to_another_scheme_is_refused(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.redirect("/feed.xml", "file:///etc/passwd", 302)
    with pytest.raises(UnsafeFeedURL, match="only http and https"):
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)


# --- HTTP errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "HTTP 404 Not Found"),
        (500, "HTTP 500 Internal Server Error"),
        (403, "HTTP 403 Forbidden"),
        (204, None),
    ],
)
async def test_http_status(
    server: FeedServer, client: httpx.AsyncClient, status: int, message: str | None
) -> None:
    server.set("/feed.xml", b"" if status == 204 else b"oops", status=status)
    if message is None:
        assert (await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)).content == b""
        return
    with pytest.raises(FetchError) as caught:
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert str(caught.value) == message
    assert caught.value.retry_after is None
    assert not isinstance(caught.value, FeedGone)


async def test_410_means_gone(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed.xml", b"", status=410)
    with pytest.raises(FeedGone, match=r"^HTTP 410 Gone$"):
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)


async def test_429_carries_retry_after(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed.xml", b"", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as caught:
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert caught.value.retry_after == 120
    assert str(caught.value) == "HTTP 429 Too Many Requests (retry after 120 s)"


async def test_503_with_an_http_date_retry_after(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    server.set("/feed.xml", b"", status=503, headers={"Retry-After": later})
    with pytest.raises(FetchError, match=r"^HTTP 503 Service Unavailable") as caught:
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert caught.value.retry_after is not None
    assert 500 < caught.value.retry_after <= 600


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 01 Jan 1970 00:02:00 GMT", 60.0),
        ("Thu, 01 Jan 1970 00:00:30 GMT", 0.0),  # in the past: retry now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=60.0) == expected


# --- where the bot may connect ------------------------------------------------------------


async def test_loopback_is_refused_unless_private_urls_are_allowed(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed.xml", FEED)
    with pytest.raises(UnsafeFeedURL, match=r"refusing a loopback address \(127\.0\.0\.1\)"):
        await fetch_feed(client, server.url("/feed.xml"))
    assert server.requests() == []  # refused before connecting
    fetched = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert fetched.content == FEED


async def test_redirect_to_a_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "93.184.215.14"  # a public literal: nothing is resolved
        return httpx.Response(302, headers={"Location": "http://10.0.0.1/admin"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as mock:
        with pytest.raises(UnsafeFeedURL) as caught:
            await fetch_feed(mock, "http://93.184.215.14/feed.xml")
    assert str(caught.value) == "redirected to an unsafe URL: refusing a private address (10.0.0.1)"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/feed", "only http and https URLs can be feeds"),
        ("not a url", "the URL contains spaces or control characters"),
    ],
)
async def test_malformed_urls_are_refused(
    client: httpx.AsyncClient, url: str, message: str
) -> None:
    with pytest.raises(UnsafeFeedURL, match=message):
        await fetch_feed(client, url, options=LOOPBACK)


async def test_unresolvable_host_is_a_fetch_error(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_such_host(host: str, port: int) -> list[str]:
        raise urlsafety.CannotResolve(f"cannot resolve host {host}")

    monkeypatch.setattr(urlsafety, "system_resolver", no_such_host)
    with pytest.raises(FetchError, match=r"^cannot resolve host feed\.invalid$") as caught:
        await fetch_feed(client, "https://feed.invalid/rss")
    assert not isinstance(caught.value, UnsafeFeedURL)


# --- network trouble ------------------------------------------------------------------------


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=r"^connection refused$"):
        await fetch_feed(client, f"http://127.0.0.1:{port}/feed.xml", options=LOOPBACK)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "cannot resolve host feeds.test",
        ),
        (httpx.RemoteProtocolError("Server disconnected"), "the server broke the HTTP protocol"),
        (httpx.ConnectTimeout("slow"), "connect timed out after 5 s"),
        (httpx.ReadError("boom"), "boom"),
    ],
)
async def test_network_errors_read_well(error: httpx.HTTPError, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(error, httpx.ConnectError):
            raise error from socket.gaierror(-2, "Name or service not known")
        raise error

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as mock:
        with pytest.raises(FetchError, match=message):
            await fetch_feed(mock, "http://feeds.test/rss", options=LOOPBACK)


async def test_server_hanging_up_mid_response(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed.xml", b"<rss".ljust(1000), hang_up_after=4)  # declares 1000, sends 4
    with pytest.raises(FetchError, match="the server broke the HTTP protocol"):
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)


# --- the client -----------------------------------------------------------------------------


async def test_make_client_defaults() -> None:
    async with make_client() as c:
        assert c.headers["User-Agent"] == USER_AGENT
        assert "application/atom+xml" in c.headers["Accept"]
        assert c.follow_redirects is False
        assert c.timeout.connect == 5.0 and c.timeout.read == 10.0


def test_error_tree() -> None:
    assert issubclass(FeedGone, FetchError) and issubclass(UnsafeFeedURL, FetchError)
    assert FetchError("x").retry_after is None
