"""Fetch a feed's bytes with httpx: conditional GET, bounded time and size, checked redirects.

No parsing here. Errors (fetch_errors.py) are short, admin-readable reasons.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import httpx

from .. import PROJECT_URL, __version__
from .decode import ACCEPT_ENCODING, BodyTooLarge, BoundedDecoder, DecodeError
from .fetch_errors import FeedGone, FetchError, UnsafeFeedURL, raise_for_status
from .guarded_backend import guarded_transport
from .http_headers import max_age, valid_validator
from .urlsafety import CannotResolve, UnsafeURL, check_destination, check_url_syntax

__all__ = [
    "USER_AGENT",
    "FeedGone",
    "FetchError",
    "FetchOptions",
    "Fetched",
    "UnsafeFeedURL",
    "fetch_feed",
    "make_client",
]

log = logging.getLogger(__name__)

USER_AGENT = f"AlertBot/{__version__} (+{PROJECT_URL})"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
_PERMANENT = frozenset({301, 308})


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 20.0  # total deadline for one fetch, redirects included
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024  # enforced while streaming
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True)
class Fetched:
    """A fetch's outcome. On 304, `etag`/`last_modified` fall back to the ones sent."""

    url: str  # final URL after redirects
    content: bytes | None  # None on 304
    not_modified: bool
    etag: str | None
    last_modified: str | None
    content_type: str | None
    permanent_url: str | None  # set when every hop was a 301/308: the feed moved
    max_age: int | None  # Cache-Control max-age, seconds


def make_client(options: FetchOptions | None = None) -> httpx.AsyncClient:
    """The shared client for every feed fetch; redirects are followed by fetch_feed itself."""
    options = options or FetchOptions()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=_timeout(options),
        follow_redirects=False,
        limits=limits,
        # Unless private addresses are allowed, connect only to addresses checked as public.
        transport=None if options.allow_private else guarded_transport(limits),
    )


def _timeout(options: FetchOptions) -> httpx.Timeout:
    return httpx.Timeout(
        options.read_timeout,
        connect=options.connect_timeout,
        pool=options.timeout,
    )


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: FetchOptions = FetchOptions(),
) -> Fetched:
    """GET a feed, conditionally when validators are given. Raises FetchError.

    Validators that are not valid header values (a stored non-ASCII ETag) are not sent:
    the feed is fetched in full instead of failing before the request goes out.
    """
    etag = valid_validator(etag)
    last_modified = valid_validator(last_modified)
    try:
        async with asyncio.timeout(options.timeout):
            return await _follow(client, url, options, etag, last_modified)
    except TimeoutError:
        raise FetchError(f"timed out after {options.timeout:g} s") from None


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    options: FetchOptions,
    etag: str | None,
    last_modified: str | None,
) -> Fetched:
    """Follow redirects by hand: each hop is checked for safety and loops."""
    requested = url
    seen: set[str] = set()
    only_permanent = True
    hops = 0
    while True:
        await _check(url, options.allow_private, redirected=hops > 0)
        seen.add(url)
        outcome = await _get(client, url, options, etag, last_modified)
        if isinstance(outcome, Fetched):
            if hops and only_permanent and outcome.url != requested:
                return replace(outcome, permanent_url=outcome.url)
            return outcome
        status, next_url = outcome
        log.debug("HTTP %d redirect from %s to %s", status, _host(url), _host(next_url))
        only_permanent = only_permanent and status in _PERMANENT
        hops += 1
        url = next_url
        if url in seen:
            raise FetchError("redirect loop")
        if hops > options.max_redirects:
            raise FetchError("too many redirects")


async def _check(url: str, allow_private: bool, *, redirected: bool) -> None:
    try:
        url = check_url_syntax(url)
        await check_destination(url, allow_private=allow_private)
    except UnsafeURL as exc:
        prefix = "redirected to an unsafe URL: " if redirected else ""
        raise UnsafeFeedURL(f"{prefix}{exc}") from exc
    except CannotResolve as exc:
        raise FetchError(str(exc)) from exc


async def _get(
    client: httpx.AsyncClient,
    url: str,
    options: FetchOptions,
    etag: str | None,
    last_modified: str | None,
) -> Fetched | tuple[int, str]:
    """One request: a final Fetched, or (status, absolute next URL) for a redirect."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", url, headers=headers, timeout=_timeout(options)) as resp:
            if resp.next_request is not None:
                return resp.status_code, str(resp.next_request.url)
            raise_for_status(resp)
            validators = (
                valid_validator(resp.headers.get("ETag")),
                valid_validator(resp.headers.get("Last-Modified")),
            )
            if resp.status_code == 304:
                content = None
                validators = validators[0] or etag, validators[1] or last_modified
            else:
                content = await _read_capped(resp, options.max_bytes)
            return Fetched(
                url=str(resp.url),
                content=content,
                not_modified=resp.status_code == 304,
                etag=validators[0],
                last_modified=validators[1],
                content_type=resp.headers.get("Content-Type"),
                permanent_url=None,
                max_age=max_age(resp.headers.get("Cache-Control")),
            )
    except httpx.HTTPError as exc:
        raise FetchError(_describe(exc, options, _host(url))) from exc


def _host(url: str) -> str:
    # Logs and messages name hosts only: full URLs can carry tokens in their query.
    return urlsplit(url).hostname or "?"


async def _read_capped(resp: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, never more than `max_bytes` of it held or decompressed.

    Raw bytes are read and decoded here, chunk by chunk, by a decompressor that never
    produces more than the cap allows: httpx's own decoding would inflate each network
    chunk through every stacked coding before the cap could count it.
    """
    too_big = FetchError(f"body larger than {_size(max_bytes)}")
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big  # raw bytes beyond the cap: decoded ones could only be more
    try:
        decoder = BoundedDecoder(resp.headers.get("Content-Encoding"), max_bytes)
        chunks: list[bytes] = []
        raw_total = 0
        async for raw in resp.aiter_raw():
            raw_total += len(raw)
            if raw_total > max_bytes:
                raise too_big
            chunks.append(decoder.feed(raw))
        chunks.append(decoder.flush())
    except BodyTooLarge:
        raise too_big from None
    except DecodeError as exc:
        raise FetchError(str(exc)) from None
    return b"".join(chunks)


def _size(n: int) -> str:
    mib = 1024 * 1024
    return f"{n / mib:.3g} MB" if n >= mib else f"{n / 1024:.3g} KB"


def _describe(exc: httpx.HTTPError, options: FetchOptions, host: str) -> str:
    """A short reason from httpx's exception and the OS error behind it."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timed out after {options.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data for {options.read_timeout:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.DecodingError):
        return "cannot decode the compressed body"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol: {exc}"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve host {host}"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate rejected: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause}"
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__
