"""One feed refresh, end to end, in miniflux's order:

load → conditional request → not modified? → parse → store new entries → decide alerts
for the new entries only → write them to the outbox → record the feed's health.

Every collaborator is handed in; a failure — any exception at all, MemoryError included —
is recorded on the feed, which backs off, and is never raised.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

import httpx

from ..feeds.fetch import (
    FeedGone,
    FetchError,
    FetchOptions,
    fetch_feed,
)
from ..feeds.http_headers import valid_validator
from ..feeds.logsafe import loggable
from ..feeds.parse import NotAFeed
from ..feeds.parse_pool import FeedParser, parse_here
from ..matching.subscriptions import SubscriptionIndex
from ..models import Feed, FeedState, FeedUpdate
from ..store import Store, now_ts
from .batch import DEFAULT_LIMITS, StoryLimits, limited_entries, store_entries
from .intake import RecentHeadlines
from .schedule import next_poll_after_failure, next_poll_after_success

__all__ = ["RefreshResult", "StoryLimits", "refresh_feed"]

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
    limits: StoryLimits = DEFAULT_LIMITS,
    headlines: RecentHeadlines | None = None,
) -> RefreshResult:
    """Poll one feed once; never raises for anything the feed, the network or a bug does."""
    try:
        return await _refresh(feed, client, store, subscriptions, options, parse, limits, headlines)
    except Exception as exc:  # MemoryError, encoding errors, bugs: back off, never retry hot
        log.exception("refresh of feed %s crashed", loggable(feed.url))
        return _fail(store, feed, f"unexpected error ({type(exc).__name__})")


async def _refresh(
    feed: Feed,
    client: httpx.AsyncClient,
    store: Store,
    subscriptions: SubscriptionIndex,
    options: FetchOptions,
    parse: FeedParser,
    limits: StoryLimits,
    headlines: RecentHeadlines | None,
) -> RefreshResult:
    name = loggable(feed.url)
    try:
        fetched = await fetch_feed(
            client, feed.url, etag=feed.etag, last_modified=feed.last_modified, options=options
        )
    except FeedGone as exc:
        log.warning("feed %s is gone (410): disabled", name)
        return _fail(store, feed, str(exc), disable=True)
    except FetchError as exc:
        log.warning("feed %s failed: %s", name, exc)
        return _fail(store, feed, str(exc), retry_after=exc.retry_after)

    now = now_ts()
    changes = FeedUpdate(
        state=FeedState.OK,
        last_success=now,
        errors_in_row=0,
        # A stored validator that is not a valid header value is dropped for good.
        etag=fetched.etag or valid_validator(feed.etag),
        last_modified=fetched.last_modified or valid_validator(feed.last_modified),
    )
    moved = fetched.permanent_url
    if moved and moved != feed.url and store.find_feed(moved) is None:
        log.info("feed %s moved permanently to %s", name, loggable(moved))
        changes = replace(changes, url=moved)
    # Many servers ignore ETag and answer 200 with the same body: its hash skips the parse.
    body_hash = hashlib.blake2b(fetched.content or b"", digest_size=16).hexdigest()
    unchanged = fetched.content is not None and body_hash == store.feed_body_hash(feed.id)
    if fetched.not_modified or fetched.content is None or unchanged:
        changes = replace(
            changes, next_poll=next_poll_after_success(now, feed.interval, max_age=fetched.max_age)
        )
        store.record_poll(feed.id, changes)
        return RefreshResult(feed.id, not_modified=True)
    changes = replace(changes, body_hash=body_hash)  # recorded after the stories are stored

    try:
        parsed = await parse(
            fetched.content, base_url=fetched.url, content_type=fetched.content_type
        )
    except NotAFeed as exc:
        log.warning("feed %s did not parse: %s", name, exc)
        return _fail(store, feed, str(exc))
    except Exception as exc:  # a parser bug: back off like any failure, never retry hot
        log.exception("parsing feed %s crashed", name)
        return _fail(store, feed, f"the parser failed ({type(exc).__name__})")

    backlog = feed.last_success is None
    changes = replace(
        changes,
        next_poll=next_poll_after_success(
            now, feed.interval, max_age=fetched.max_age, ttl_minutes=parsed.ttl_minutes
        ),
    )
    if not feed.title and parsed.title:
        changes = replace(changes, title=parsed.title)
    if parsed.bozo:
        log.info("feed %s is malformed but its entries parsed: %s", name, parsed.bozo)
    entries = limited_entries(parsed, limits, name, now)
    # Backlog rule: a feed's first successful fetch is stored and searchable, never alerted.
    new_stories, queued = await store_entries(
        store,
        feed.id,
        entries,
        now=now,
        subscriptions=None if backlog else subscriptions,
        chunk=limits.chunk,
        headlines=headlines,
    )
    store.record_poll(feed.id, changes)
    pruned = store.cap_feed_stories(feed.id, limits.max_stories_per_feed) if new_stories else 0
    if new_stories or pruned:
        log.info(
            "feed %s: %d new stories, %d alerts%s%s",
            name,
            len(new_stories),
            queued,
            " (backlog, not alerted)" if backlog else "",
            f", {pruned} oldest pruned (cap {limits.max_stories_per_feed})" if pruned else "",
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
        FeedUpdate(
            state=FeedState.DISABLED if disable else FeedState.FAILING,
            last_error=error,
            last_error_at=now,
            errors_in_row=errors,
            next_poll=next_poll_after_failure(now, feed.interval, errors, retry_after=retry_after),
        ),
    )
    return RefreshResult(feed.id, error=error, errors_in_row=errors, disabled=disable)
