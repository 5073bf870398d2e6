"""From a feed URL to clean entries: check the URL, fetch the bytes, parse them.

urlsafety  is this URL safe to fetch (syntax, public address)?
fetch      conditional GET with httpx: deadlines, size cap, checked redirects
parse      bytes -> ParsedFeed with feedparser; pure
discover   the feeds an HTML page advertises; pure
opml       import/export of the feed list; pure
"""

from __future__ import annotations

from .discover import discover_feeds
from .fetch import (
    USER_AGENT,
    FeedGone,
    Fetched,
    FetchError,
    FetchOptions,
    UnsafeFeedURL,
    fetch_feed,
    make_client,
)
from .opml import OpmlError, parse_opml, to_opml
from .parse import NotAFeed, parse_feed
from .urlsafety import UnsafeURL, check_destination, check_url_syntax

__all__ = [
    "USER_AGENT",
    "FeedGone",
    "FetchError",
    "FetchOptions",
    "Fetched",
    "NotAFeed",
    "OpmlError",
    "UnsafeFeedURL",
    "UnsafeURL",
    "check_destination",
    "check_url_syntax",
    "discover_feeds",
    "fetch_feed",
    "make_client",
    "parse_feed",
    "parse_opml",
    "to_opml",
]
