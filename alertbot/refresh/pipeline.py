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

from ..delivery.format import Texts
from ..feeds.discover import discover_feeds
from ..feeds.fetch import (
    FeedGone,
    FetchError,
    FetchOptions,
    UnsafeFeedURL,
    fetch_feed,
    valid_validator,
)
from ..feeds.logsafe import loggable
from ..feeds.parse import NotAFeed
from ..feeds.parse_pool import FeedParser, parse_here
from ..feeds.urlsafety import UnsafeURL, check_url_syntax
from ..i18n import N_
from ..matching.subscriptions import SubscriptionIndex
from ..models import Entry, Feed, FeedState, FeedUpdate, ParsedFeed
from ..store import Store, now_ts
from .batch import DEFAULT_LIMITS, StoryLimits, clamp_future, newest, store_entries
from .intake import RecentHeadlines
from .schedule import next_poll_after_failure, next_poll_after_success

__all__ = [
    "AddFeedError",
    "AlreadyPolled",
    "RefreshResult",
    "StoryLimits",
    "add_feed",
    "refresh_feed",
]

log = logging.getLogger(__name__)

_CAPPED: set[str] = set()  # feeds already logged as over the per-refresh cap


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
    entries = _limited(parsed, limits, name, now)
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


def _limited(parsed: ParsedFeed, limits: StoryLimits, name: str, now: float) -> list[Entry]:
    """The newest entries within the per-refresh cap, dated no later than `now`."""
    entries, left_out = newest(parsed.entries, limits.max_new_per_refresh)
    if left_out:
        # Once per feed and process at WARNING: a big feed is capped at every poll.
        level = logging.DEBUG if name in _CAPPED else logging.WARNING
        _CAPPED.add(name)
        log.log(
            level,
            "feed %s gave %d entries: the newest %d kept, %d left out "
            "(ALERTBOT_MAX_NEW_PER_REFRESH)",
            name,
            len(parsed.entries),
            len(entries),
            left_out,
        )
    return clamp_future(entries, now)


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


class AddFeedError(ValueError):
    """Why a URL given to /addfeed was not added: a catalogue text and its values (the
    fetcher's own diagnosis, e.g. "HTTP 404 Not Found", is a value, kept as it said it);
    `str()` is the English, `said_in(t)` the admin's language."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.message = message
        self.values = values

    def said_in(self, t: Texts) -> str:
        return t.gettext(self.message).format(**self.values)


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
    entries = _limited(parsed, limits, loggable(final_url), now)
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
