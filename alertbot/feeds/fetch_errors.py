"""What a failed fetch raises, and the HTTP statuses that are failures.

FetchError            network trouble, HTTP errors, timeouts, oversize bodies
 ├── FeedGone         410 Gone: the caller disables the feed
 └── UnsafeFeedURL    the URL (or a redirect) is malformed or points at a private address
"""

from __future__ import annotations

from http import HTTPStatus

import httpx

from .http_headers import parse_retry_after

__all__ = ["FeedGone", "FetchError", "UnsafeFeedURL", "raise_for_status"]

_RETRY_AFTER_STATUSES = frozenset({429, 503})


class FetchError(Exception):
    """A fetch failed; str() is a short reason for an admin."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeedGone(FetchError):
    """410 Gone."""


class UnsafeFeedURL(FetchError):
    """The URL or a redirect target is malformed or not a public address."""


def raise_for_status(resp: httpx.Response) -> None:
    """Nothing for 2xx and 304; otherwise the FetchError (or FeedGone) an admin reads."""
    status = resp.status_code
    if 200 <= status < 300 or status == 304:
        return
    try:
        phrase = HTTPStatus(status).phrase  # the standard one: servers' own can be anything
    except ValueError:
        phrase = ""
    message = f"HTTP {status} {phrase}".strip()
    if status == 410:
        raise FeedGone(message)
    retry_after = None
    if status in _RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if retry_after is not None:
            message += f" (retry after {retry_after:.0f} s)"
    raise FetchError(message, retry_after=retry_after)
