"""FeedServer: programmable feeds over real HTTP on 127.0.0.1, for tests and the demo.

    with FeedServer() as feeds:
        feeds.set("news.xml", rss_bytes)
        url = feeds.url("news.xml")  # http://127.0.0.1:PORT/news.xml

Routes answer with the body, status and headers they were given, honour conditional GET
(If-None-Match, If-Modified-Since -> 304), gzip on request, and record every request. A body
can also be streamed in chunks, trickled slowly, or cut off by a hang-up, as real servers do.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Final

import tornado.iostream
import tornado.web

from alertbot.devtools._loopback import LoopbackServer

__all__ = ["AUTO", "FeedServer", "RequestRecord"]

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"


class _Auto:
    def __repr__(self) -> str:
        return "AUTO"


AUTO: Final = _Auto()  # an ETag derived from the body


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it; `headers` keys are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    status: int
    time: float  # time.monotonic() when it arrived

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class _Route:
    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: datetime | None = None
    delay: float = 0.0
    gzip: bool = False
    location: str | None = None
    chunk: int | None = None
    interval: float = 0.0
    hang_up_after: int | None = None


class FeedServer(LoopbackServer):
    """Serves what a test `set()`s; runs in its own thread; thread-safe."""

    def __init__(self, *, port: int = 0) -> None:
        super().__init__(port=port, name="feed-server")
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._requests: list[RequestRecord] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{_normalise(path)}"

    def set(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = RSS_CONTENT_TYPE,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        etag: str | _Auto | None = AUTO,
        last_modified: datetime | None = None,
        delay: float = 0,
        gzip: bool = False,
        chunk: int | None = None,
        interval: float = 0,
        hang_up_after: int | None = None,
    ) -> None:
        """Serve `body` at `path` (replacing what was there). `etag=None` sends no ETag.

        `delay` seconds pass before the answer; `gzip=True` compresses it for clients that
        accept gzip. `chunk` streams the body in pieces of that many bytes without a
        Content-Length (only a streaming client can cap it), `interval` seconds apart (a
        trickle). `hang_up_after` declares the whole body's length but closes the connection
        after that many bytes (a server dying mid-answer).
        """
        if isinstance(etag, _Auto):
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if last_modified is not None:
            if last_modified.tzinfo is None:
                last_modified = last_modified.replace(tzinfo=UTC)
            last_modified = last_modified.astimezone(UTC).replace(microsecond=0)
        route_headers = {"Content-Type": content_type, **(headers or {})}
        route = _Route(
            body,
            status,
            route_headers,
            etag,
            last_modified,
            delay,
            gzip,
            chunk=chunk,
            interval=interval,
            hang_up_after=hang_up_after,
        )
        with self._lock:
            self._routes[_normalise(path)] = route

    def redirect(self, path: str, to: str, status: int = 301, *, relative: bool = False) -> None:
        """Answer `path` with a redirect to `to` (a path on this server or a full URL).

        A path becomes this server's full URL, unless `relative`: then the Location is `to`
        as given, a reference the client resolves against the URL it asked for.
        """
        location = to if relative or "://" in to else self.url(to)
        with self._lock:
            self._routes[_normalise(path)] = _Route(status=status, location=location)

    def remove(self, path: str) -> None:
        """`path` answers 404 from now on."""
        with self._lock:
            self._routes.pop(_normalise(path), None)

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """Requests received (for `path`, or all), oldest first."""
        wanted = _normalise(path) if path is not None else None
        with self._lock:
            return [r for r in self._requests if wanted is None or r.path == wanted]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _make_app(self) -> tornado.web.Application:
        return tornado.web.Application(
            [(r"/.*", _FeedHandler, {"server": self})], log_function=lambda handler: None
        )

    def _route(self, path: str) -> _Route | None:
        with self._lock:
            return self._routes.get(path)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._requests.append(record)


def _normalise(path: str) -> str:
    return "/" + path.lstrip("/")


def _not_modified(route: _Route, request_headers: Mapping[str, str]) -> bool:
    """Conditional GET: If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        if route.etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or route.etag.removeprefix("W/") in tags
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since and route.last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return route.last_modified <= since
    return False


class _FeedHandler(tornado.web.RequestHandler):
    server: FeedServer

    def initialize(self, server: FeedServer) -> None:
        self.server = server

    def compute_etag(self) -> str | None:
        return None  # the route decides, not tornado

    async def get(self) -> None:
        with self.server._answering():
            await self._answer()

    head = get

    async def _answer(self) -> None:
        path = self.request.path
        route = self.server._route(path)
        arrived = time.monotonic()
        status = self._status_for(route)
        self.server._record(
            RequestRecord(
                self.request.method or "GET",
                path,
                {k.lower(): v for k, v in self.request.headers.get_all()},
                status,
                arrived,
            )
        )
        if route is not None and route.delay and await self.server._wait_stopping(route.delay):
            return
        self.set_status(status)
        if route is None:
            self.finish(b"not found")
            return
        if route.location is not None:
            self.set_header("Location", route.location)
            self.finish()
            return
        for name, value in route.headers.items():
            self.set_header(name, value)
        if route.etag is not None:
            self.set_header("ETag", route.etag)
        if route.last_modified is not None:
            self.set_header("Last-Modified", format_datetime(route.last_modified, usegmt=True))
        if status in (204, 304):  # no body, so none of its headers
            self.clear_header("Content-Type")
            self.finish()
            return
        body = route.body
        if route.gzip:
            self.set_header("Vary", "Accept-Encoding")
            if "gzip" in self.request.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                self.set_header("Content-Encoding", "gzip")
        if self.request.method == "HEAD":
            self.set_header("Content-Length", str(len(body)))
            self.finish()
            return
        if route.hang_up_after is not None:
            self.set_header("Content-Length", str(len(body)))
            if await self._send(body[: route.hang_up_after]):
                self._hang_up()
        elif route.chunk:
            await self._stream(body, route.chunk, route.interval)
        else:
            self.finish(body)

    async def _stream(self, body: bytes, chunk: int, interval: float) -> None:
        """Chunked transfer encoding (no Content-Length), `interval` seconds between pieces."""
        for start in range(0, len(body), chunk):
            if start and interval and await self.server._wait_stopping(interval):
                self._hang_up()  # the server goes away mid-body
                return
            if not await self._send(body[start : start + chunk]):
                return
        self.finish()

    async def _send(self, data: bytes) -> bool:
        """Write and flush `data`; False (and the connection closed) if the client hung up."""
        self.write(data)
        try:
            await self.flush()
        except tornado.iostream.StreamClosedError:
            self._hang_up()
            return False
        return True

    def _hang_up(self) -> None:
        """Close the connection without finishing the answer."""
        self.detach().close()

    def _status_for(self, route: _Route | None) -> int:
        if route is None:
            return 404
        if route.status == 200 and _not_modified(route, self.request.headers):
            return 304
        return route.status
