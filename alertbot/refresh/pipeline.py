"""One feed refresh, end to end, in miniflux's order:

load → conditional request → not modified? → parse → store new entries → decide alerts
for the new entries only → write them to the outbox → record the feed's health.

Every collaborator is handed in; a failure is recorded on the feed and never raised.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import httpx

from ..feeds.discover import discover_feeds
from ..feeds.fetch import FeedGone, FetchError, FetchOptions, UnsafeFeedURL, fetch_feed
from ..feeds.parse import NotAFeed, parse_feed
from ..feeds.parse_pool import FeedParser, parse_here
from ..feeds.urlsafety import UnsafeURL, check_url_syntax
from ..matching.subscriptions import SubscriptionIndex
from ..models import Feed, FeedState
from ..store import Store
from ..store._base import now_ts
from .schedule import next_poll_after_failure, next_poll_after_success

__all__ = ["AddFeedError", "AlreadyPolled", "RefreshResult", "add_feed", "refresh_feed"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshResult:
    feed_id: int
    new_stories: int = 0
    alerts: int = 0
    not_modified: bool = False
    error: str | None = None
    backlog: bool = False
    errors_in_row: int = 0  # after this refresh
    disabled: bool = False  # this refresh disabled the feed (410 Gone)


async def refresh_feed(
    feed: Feed,
    *,
    client: httpx.AsyncClient,
    store: Store,
    subscriptions: SubscriptionIndex,
    options: FetchOptions,
    parse: FeedParser = parse_here,
) -> RefreshResult:
    """Poll one feed once; never raises for anything the feed or the network does."""
    try:
        fetched = await fetch_feed(
            client, feed.url, etag=feed.etag, last_modified=feed.last_modified, options=options
        )
    except FeedGone as exc:
        log.warning("feed %s is gone (410): disabled", feed.url)
        return _fail(store, feed, str(exc), disable=True)
    except FetchError as exc:
        log.warning("feed %s failed: %s", feed.url, exc)
        return _fail(store, feed, str(exc), retry_after=exc.retry_after)

    now = now_ts()
    changes: dict[str, object] = {
        "state": FeedState.OK,
        "last_success": now,
        "errors_in_row": 0,
        "etag": fetched.etag or feed.etag,
        "last_modified": fetched.last_modified or feed.last_modified,
    }
    moved = fetched.permanent_url
    if moved and moved != feed.url and store.find_feed(moved) is None:
        log.info("feed %s moved permanently to %s", feed.url, moved)
        changes["url"] = moved
    # Many servers ignore ETag and answer 200 with the same body: its hash skips the parse.
    body_hash = hashlib.blake2b(fetched.content or b"", digest_size=16).hexdigest()
    unchanged = fetched.content is not None and body_hash == store.feed_body_hash(feed.id)
    if fetched.not_modified or fetched.content is None or unchanged:
        changes["next_poll"] = next_poll_after_success(now, feed.interval, max_age=fetched.max_age)
        store.record_poll(feed.id, **changes)
        return RefreshResult(feed.id, not_modified=True)
    changes["body_hash"] = body_hash  # recorded with the stories, so only once they are stored

    try:
        parsed = await parse(
            fetched.content, base_url=fetched.url, content_type=fetched.content_type
        )
    except NotAFeed as exc:
        log.warning("feed %s did not parse: %s", feed.url, exc)
        return _fail(store, feed, str(exc))
    except Exception as exc:  # a parser bug: back off like any failure, never retry hot
        log.exception("parsing feed %s crashed", feed.url)
        return _fail(store, feed, f"the parser failed ({type(exc).__name__})")

    backlog = feed.last_success is None
    changes["next_poll"] = next_poll_after_success(
        now, feed.interval, max_age=fetched.max_age, ttl_minutes=parsed.ttl_minutes
    )
    if not feed.title and parsed.title:
        changes["title"] = parsed.title
    if parsed.bozo:
        log.info("feed %s is malformed but its entries parsed: %s", feed.url, parsed.bozo)
    # One transaction: a crash cannot store a story without the alerts decided for it.
    with store.transaction():
        new_stories = store.add_stories(feed.id, parsed.entries, now=now)
        # Backlog rule: a feed's first successful fetch is stored and searchable, never alerted.
        alerts = [] if backlog else subscriptions.alerts_for(new_stories)
        queued = store.enqueue_alerts(alerts, now=now) if alerts else 0
        store.record_poll(feed.id, **changes)
    if new_stories:
        log.info(
            "feed %s: %d new stories, %d alerts%s",
            feed.url,
            len(new_stories),
            queued,
            " (backlog, not alerted)" if backlog else "",
        )
    return RefreshResult(feed.id, len(new_stories), queued, backlog=backlog)


def _fail(
    store: Store,
    feed: Feed,
    error: str,
    *,
    retry_after: float | None = None,
    disable: bool = False,
) -> RefreshResult:
    now = now_ts()
    errors = feed.errors_in_row + 1
    store.record_poll(
        feed.id,
        state=FeedState.DISABLED if disable else FeedState.FAILING,
        last_error=error,
        last_error_at=now,
        errors_in_row=errors,
        next_poll=next_poll_after_failure(now, feed.interval, errors, retry_after=retry_after),
    )
    return RefreshResult(feed.id, error=error, errors_in_row=errors, disabled=disable)


class AddFeedError(ValueError):
    """Why a URL given to /addfeed was not added; `str()` is the admin's reply."""


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
) -> tuple[Feed, int]:
    """Fetch and parse `url` once, then store the feed and its current stories as backlog.

    An HTML page is searched for `<link rel="alternate">` feeds and the first one is
    added. Nothing is stored unless a feed parsed. Returns the feed and its story count.
    """
    try:
        url = check_url_syntax(url)
    except UnsafeURL as exc:
        raise AddFeedError(str(exc)) from None
    for candidate_round in range(2):
        existing = store.find_feed(url)
        if existing is not None and existing.state != FeedState.DISABLED:
            raise AlreadyPolled(f"that feed is already polled (#{existing.id})")
        try:
            fetched = await fetch_feed(client, url, options=options)
        except UnsafeFeedURL as exc:
            hint = "" if options.allow_private else " (ALERTBOT_ALLOW_PRIVATE_URLS=1 allows them)"
            raise AddFeedError(f"{exc}{hint}") from None
        except FetchError as exc:
            raise AddFeedError(f"could not fetch it: {exc}") from None
        if fetched.content is None:
            raise AddFeedError("the server sent no content")
        try:
            parsed = parse_feed(
                fetched.content, base_url=fetched.url, content_type=fetched.content_type
            )
            break
        except NotAFeed as exc:
            found = discover_feeds(fetched.content, fetched.url) if candidate_round == 0 else []
            if not found:
                raise AddFeedError(f"it is {exc}") from None
            log.info("%s is a page; trying the feed it links to: %s", url, found[0])
            url = found[0]
    else:  # pragma: no cover - the loop always breaks or raises
        raise AddFeedError("no feed found")

    final_url = fetched.permanent_url or url
    now = now_ts()
    existing = store.find_feed(final_url)
    if existing is not None and existing.state != FeedState.DISABLED:
        raise AlreadyPolled(f"it moved to a feed already polled (#{existing.id})")
    if existing is not None:
        store.update_feed(existing.id, state=FeedState.NEW, interval=interval, errors_in_row=0)
        feed = existing
    else:
        feed = store.add_feed(final_url, title=parsed.title, interval=interval, added_by=added_by)
    stored = store.add_stories(feed.id, parsed.entries, now=now)
    store.update_feed(
        feed.id,
        title=parsed.title or feed.title,
        state=FeedState.OK,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        last_success=now,
        last_error=None,
        next_poll=next_poll_after_success(
            now, interval, max_age=fetched.max_age, ttl_minutes=parsed.ttl_minutes
        ),
    )
    refreshed = store.get_feed(feed.id)
    assert refreshed is not None
    return refreshed, len(stored)
