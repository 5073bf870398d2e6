"""Fetching over real HTTP on loopback (and httpx.MockTransport for pure protocol cases)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

import alertbot
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

Route = Callable[[BaseHTTPRequestHandler], None]


def reply(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> Route:
    """A route answering with a fixed response."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


def redirect(status: int, location: str) -> Route:
    return reply(status, headers={"Location": location})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-body is what several tests do on purpose


class LoopbackServer:
    """A real HTTP/1.1 server on 127.0.0.1 with programmable routes, one thread per request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                server.routes.get(self.path, reply(404, b"no such route"))(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    srv.thread.start()
    yield srv
    srv.stopping.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(LOOPBACK) as c:
        yield c


# --- success, conditional GET, compression -------------------------------------------------


async def test_200_returns_the_body_and_the_validators(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/feed.xml"] = reply(
        200,
        FEED,
        {
            "Content-Type": "application/rss+xml; charset=utf-8",
            "ETag": '"v1"',
            "Last-Modified": "Mon, 05 Oct 2020 02:30:00 GMT",
            "Cache-Control": "public, max-age=600",
        },
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
    _, headers = server.requests[0]
    assert headers["user-agent"] == USER_AGENT
    assert "application/rss+xml" in headers["accept"]
    assert "gzip" in headers["accept-encoding"]
    assert "if-none-match" not in headers and "if-modified-since" not in headers


def test_user_agent_names_the_bot_and_its_home() -> None:
    assert f"AlertBot/{alertbot.__version__} (+{alertbot.PROJECT_URL})" == USER_AGENT


def conditional(etag: str | None = None, last_modified: str | None = None) -> Route:
    """200 with validators, or 304 when the request carries a matching one."""

    def route(h: BaseHTTPRequestHandler) -> None:
        fresh = (etag and h.headers.get("If-None-Match") == etag) or (
            last_modified and h.headers.get("If-Modified-Since") == last_modified
        )
        validators = {"ETag": etag or "", "Last-Modified": last_modified or ""}
        headers = {k: v for k, v in validators.items() if v}
        if fresh:
            h.send_response(304)
            for name, value in headers.items():
                h.send_header(name, value)
            h.end_headers()
        else:
            reply(200, FEED, headers)(h)

    return route


async def test_304_with_etag(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    server.routes["/feed.xml"] = conditional(etag='"abc"')
    first = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    again = await fetch_feed(client, server.url("/feed.xml"), etag=first.etag, options=LOOPBACK)
    assert again.not_modified and again.content is None
    assert again.etag == '"abc"'
    assert server.requests[1][1]["if-none-match"] == '"abc"'


async def test_304_with_last_modified(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    stamp = "Thu, 05 Nov 2020 14:15:00 GMT"
    server.routes["/feed.xml"] = conditional(last_modified=stamp)
    first = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert first.last_modified == stamp and first.etag is None
    again = await fetch_feed(
        client, server.url("/feed.xml"), last_modified=first.last_modified, options=LOOPBACK
    )
    assert again.not_modified and again.content is None
    assert again.last_modified == stamp
    assert server.requests[1][1]["if-modified-since"] == stamp


async def test_304_without_validators_keeps_the_ones_sent(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/feed.xml"] = reply(304)
    fetched = await fetch_feed(
        client, server.url("/feed.xml"), etag='"e"', last_modified="yesterday", options=LOOPBACK
    )
    assert (fetched.not_modified, fetched.etag, fetched.last_modified) == (True, '"e"', "yesterday")


async def test_a_fetch_without_validators_sends_no_conditional_headers(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/"] = reply(200, b"<html></html>", {"Content-Type": "text/html"})
    fetched = await fetch_feed(client, server.url("/"), options=LOOPBACK)
    assert fetched.content == b"<html></html>"
    assert "if-none-match" not in server.requests[0][1]


async def test_gzip_body_is_decompressed(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    server.routes["/feed.xml"] = reply(200, gzip.compress(FEED), {"Content-Encoding": "gzip"})
    fetched = await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert fetched.content == FEED


# --- size cap -------------------------------------------------------------------------------


def streamed(total: int, chunk: int = 64 * 1024) -> Route:
    """A chunked body of `total` bytes with no Content-Length: only streaming can cap it."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        sent = 0
        try:
            while sent < total:
                size = min(chunk, total - sent)
                h.wfile.write(b"%x\r\n" % size + b"x" * size + b"\r\n")
                sent += size
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up, as it should

    return route


CAPPED = FetchOptions(allow_private=True, max_bytes=1 * MB)


async def test_streamed_body_over_the_cap_is_refused(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/big.xml"] = streamed(2 * MB)
    with pytest.raises(FetchError, match=r"^body larger than 1 MB$"):
        await fetch_feed(client, server.url("/big.xml"), options=CAPPED)


async def test_declared_length_over_the_cap_is_refused_before_reading(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/big.xml"] = reply(200, b"x" * (2 * MB))
    with pytest.raises(FetchError, match=r"^body larger than 1 MB$"):
        await fetch_feed(client, server.url("/big.xml"), options=CAPPED)


async def test_gzip_bomb_is_capped_on_the_decompressed_size(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    bomb = gzip.compress(b"\0" * (2 * MB))
    assert len(bomb) < 10_000
    server.routes["/bomb.xml"] = reply(200, bomb, {"Content-Encoding": "gzip"})
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
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/edge.xml"] = streamed(1 * MB)
    fetched = await fetch_feed(client, server.url("/edge.xml"), options=CAPPED)
    assert fetched.content is not None and len(fetched.content) == MB


# --- deadlines ------------------------------------------------------------------------------


def slow(server: LoopbackServer, *, headers_first: bool) -> Route:
    """Never finishes within a test: silent, or trickling a byte every 50 ms."""

    def route(h: BaseHTTPRequestHandler) -> None:
        try:
            if headers_first:
                h.send_response(200)
                h.send_header("Transfer-Encoding", "chunked")
                h.end_headers()
            while not server.stopping.wait(0.05):
                if headers_first:
                    h.wfile.write(b"1\r\nx\r\n")
                    h.wfile.flush()
        except OSError:
            pass

    return route


@pytest.mark.parametrize("headers_first", [False, True], ids=["silent", "trickle"])
async def test_slow_server_hits_the_total_deadline(
    server: LoopbackServer, client: httpx.AsyncClient, headers_first: bool
) -> None:
    # The read timeout never fires on a trickle; only the total deadline stops it.
    server.routes["/slow.xml"] = slow(server, headers_first=headers_first)
    options = FetchOptions(allow_private=True, timeout=0.5, read_timeout=10.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 0\.5 s$"):
        await fetch_feed(client, server.url("/slow.xml"), options=options)
    assert time.monotonic() - started < 8  # far below the 10 s read timeout


async def test_read_timeout_is_reported(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    server.routes["/slow.xml"] = slow(server, headers_first=False)
    options = FetchOptions(allow_private=True, timeout=10.0, read_timeout=0.3)
    with pytest.raises(FetchError, match=r"^no data for 0\.3 s$"):
        await fetch_feed(client, server.url("/slow.xml"), options=options)


# --- redirects ------------------------------------------------------------------------------


async def test_301_chain_reports_the_permanent_url(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/old.xml"] = redirect(301, "/older.xml")
    server.routes["/older.xml"] = redirect(308, server.url("/feed.xml"))
    server.routes["/feed.xml"] = reply(200, FEED)
    fetched = await fetch_feed(client, server.url("/old.xml"), options=LOOPBACK)
    assert fetched.content == FEED
    assert fetched.url == server.url("/feed.xml")
    assert fetched.permanent_url == server.url("/feed.xml")
    assert server.paths() == ["/old.xml", "/older.xml", "/feed.xml"]


@pytest.mark.parametrize(
    "chain", [[302], [307], [301, 302], [302, 301]], ids=["302", "307", "301-302", "302-301"]
)
async def test_temporary_hop_means_no_permanent_url(
    server: LoopbackServer, client: httpx.AsyncClient, chain: list[int]
) -> None:
    for i, status in enumerate(chain):
        server.routes[f"/r{i}"] = redirect(status, f"/r{i + 1}")
    server.routes[f"/r{len(chain)}"] = reply(200, FEED)
    fetched = await fetch_feed(client, server.url("/r0"), options=LOOPBACK)
    assert fetched.content == FEED
    assert fetched.url == server.url(f"/r{len(chain)}")
    assert fetched.permanent_url is None


async def test_conditional_headers_follow_redirects(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/old.xml"] = redirect(301, "/feed.xml")
    server.routes["/feed.xml"] = conditional(etag='"v2"')
    fetched = await fetch_feed(client, server.url("/old.xml"), etag='"v2"', options=LOOPBACK)
    assert fetched.not_modified
    assert fetched.permanent_url == server.url("/feed.xml")


async def test_redirect_loop(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    server.routes["/a"] = redirect(302, "/b")
    server.routes["/b"] = redirect(302, "/a")
    with pytest.raises(FetchError, match=r"^redirect loop$"):
        await fetch_feed(client, server.url("/a"), options=LOOPBACK)
    assert server.paths() == ["/a", "/b"]


async def test_too_many_redirects(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    for i in range(10):
        server.routes[f"/r{i}"] = redirect(301, f"/r{i + 1}")
    with pytest.raises(FetchError, match=r"^too many redirects$"):
        await fetch_feed(client, server.url("/r0"), options=LOOPBACK)
    assert len(server.requests) == LOOPBACK.max_redirects + 1


async def test_redirect_to_another_scheme_is_refused(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/feed.xml"] = redirect(302, "file:///etc/passwd")
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
    server: LoopbackServer, client: httpx.AsyncClient, status: int, message: str | None
) -> None:
    server.routes["/feed.xml"] = reply(status, b"" if status == 204 else b"oops")
    if message is None:
        assert (await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)).content == b""
        return
    with pytest.raises(FetchError) as caught:
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert str(caught.value) == message
    assert caught.value.retry_after is None
    assert not isinstance(caught.value, FeedGone)


async def test_410_means_gone(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    server.routes["/feed.xml"] = reply(410)
    with pytest.raises(FeedGone, match=r"^HTTP 410 Gone$"):
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)


async def test_429_carries_retry_after(server: LoopbackServer, client: httpx.AsyncClient) -> None:
    server.routes["/feed.xml"] = reply(429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as caught:
        await fetch_feed(client, server.url("/feed.xml"), options=LOOPBACK)
    assert caught.value.retry_after == 120
    assert str(caught.value) == "HTTP 429 Too Many Requests (retry after 120 s)"


async def test_503_with_an_http_date_retry_after(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    server.routes["/feed.xml"] = reply(503, headers={"Retry-After": later})
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
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    server.routes["/feed.xml"] = reply(200, FEED)
    with pytest.raises(UnsafeFeedURL, match=r"refusing a loopback address \(127\.0\.0\.1\)"):
        await fetch_feed(client, server.url("/feed.xml"))
    assert server.requests == []  # refused before connecting
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
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    def hang_up(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"<rss")
        h.close_connection = True

    server.routes["/feed.xml"] = hang_up
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
