"""A feed an admin adds (/addfeed, an OPML import): fetched and parsed once, a page's own
feed found, then stored with its current stories as backlog (searchable, never alerted)."""

from __future__ import annotations

import logging

import httpx

from ..feeds.discover import discover_feeds
from ..feeds.fetch import FetchError, FetchOptions, UnsafeFeedURL, fetch_feed
from ..feeds.logsafe import loggable
from ..feeds.parse import NotAFeed
from ..feeds.parse_pool import FeedParser, parse_here
from ..feeds.urlsafety import UnsafeURL, check_url_syntax
from ..i18n import N_, Refusal
from ..models import Feed, FeedState, FeedUpdate
from ..store import Store, now_ts
from .batch import DEFAULT_LIMITS, StoryLimits, limited_entries, store_entries
from .schedule import next_poll_after_success

__all__ = ["AddFeedError", "AlreadyPolled", "add_feed"]

log = logging.getLogger(__name__)


class AddFeedError(Refusal):
    """Why a URL given to /addfeed was not added (the fetcher's own diagnosis, e.g.
    "HTTP 404 Not Found", is a value, kept as it said it)."""


class AlreadyPolled(AddFeedError):
    """The URL, or the feed it leads to, is already polled."""


async def add_feed(
    url: str,
    *,
    client: httpx.AsyncClient,
    store: Store,
    options: FetchOptions,
    interval: int,
    added_by: int | None = None,
    parse: FeedParser = parse_here,
    limits: StoryLimits = DEFAULT_LIMITS,
) -> tuple[Feed, int]:
    """Fetch and parse `url` once, then store the feed and its current stories as backlog.

    An HTML page is searched for `<link rel="alternate">` feeds and the first one is
    added. Nothing is stored unless a feed parsed. Returns the feed and its story count.
    """
    try:
        url = check_url_syntax(url)
    except UnsafeURL as exc:
        raise AddFeedError("{reason}", reason=exc) from None
    for candidate_round in range(2):
        existing = store.find_feed(url)
        if existing is not None and not existing.state.retired:
            raise AlreadyPolled(N_("that feed is already polled (#{id})"), id=existing.id)
        try:
            fetched = await fetch_feed(client, url, options=options)
        except UnsafeFeedURL as exc:
            if options.allow_private:
                raise AddFeedError("{reason}", reason=exc) from None
            raise AddFeedError(
                N_("{reason} (ALERTBOT_ALLOW_PRIVATE_URLS=1 allows them)"), reason=exc
            ) from None
        except FetchError as exc:
            raise AddFeedError(N_("could not fetch it: {reason}"), reason=exc) from None
        if fetched.content is None:
            raise AddFeedError(N_("the server sent no content"))
        try:
            # In the parse workers, like polling: a huge feed never stalls the event loop.
            parsed = await parse(
                fetched.content, base_url=fetched.url, content_type=fetched.content_type
            )
            break
        except NotAFeed as exc:
            found = discover_feeds(fetched.content, fetched.url) if candidate_round == 0 else []
            if not found:
                raise AddFeedError(N_("it is {reason}"), reason=exc) from None
            log.info(
                "%s is a page; trying the feed it links to: %s", loggable(url), loggable(found[0])
            )
            url = found[0]
    else:  # pragma: no cover - the loop always breaks or raises
        raise AddFeedError(N_("no feed found"))

    final_url = fetched.permanent_url or url
    now = now_ts()
    existing = store.find_feed(final_url)
    if existing is not None and not existing.state.retired:
        raise AlreadyPolled(N_("it moved to a feed already polled (#{id})"), id=existing.id)
    if existing is not None:
        store.update_feed(
            existing.id, FeedUpdate(state=FeedState.NEW, interval=interval, errors_in_row=0)
        )
        feed = existing
    else:
        feed = store.add_feed(final_url, title=parsed.title, interval=interval, added_by=added_by)
    entries = limited_entries(parsed, limits, loggable(final_url), now)
    stored, _ = await store_entries(
        store, feed.id, entries, now=now, subscriptions=None, chunk=limits.chunk
    )
    store.cap_feed_stories(feed.id, limits.max_stories_per_feed)
    store.update_feed(
        feed.id,
        FeedUpdate(
            title=parsed.title or feed.title,
            state=FeedState.OK,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            last_success=now,
            last_error=None,
            next_poll=next_poll_after_success(
                now, interval, max_age=fetched.max_age, ttl_minutes=parsed.ttl_minutes
            ),
        ),
    )
    refreshed = store.get_feed(feed.id)
    assert refreshed is not None
    return refreshed, len(stored)
