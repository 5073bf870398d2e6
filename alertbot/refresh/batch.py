"""A refresh's entries on their way into the store: capped, dates clamped, stored in chunks.

`newest` and `clamp_future` are pure. `store_entries` writes in chunks, each chunk with the
alerts decided for it in one transaction, yielding to the event loop between chunks so
that a big batch never holds up commands.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..matching.subscriptions import SubscriptionIndex
from ..models import Entry, ParsedFeed, Story
from ..store import Store
from .intake import RecentHeadlines, add_stories

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_LIMITS", "StoryLimits", "clamp_future", "newest", "store_entries"]


@dataclass(frozen=True)
class StoryLimits:
    """Caps that keep one runaway feed from filling the store."""

    max_new_per_refresh: int = 500  # ALERTBOT_MAX_NEW_PER_REFRESH: newest kept, rest counted
    max_stories_per_feed: int = 10_000  # ALERTBOT_MAX_STORIES_PER_FEED: oldest pruned
    chunk: int = 200  # entries stored per transaction before yielding to the loop


DEFAULT_LIMITS = StoryLimits()


def newest(entries: Sequence[Entry], limit: int) -> tuple[list[Entry], int]:
    """The `limit` newest entries (in feed order) and how many were left out.

    By publication date when every entry has one; else the feed's own order, which
    lists the newest first.
    """
    if len(entries) <= limit:
        return list(entries), 0
    if all(e.published is not None for e in entries):
        ranked = sorted(
            range(len(entries)),
            key=lambda i: entries[i].published or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )
        keep = sorted(ranked[:limit])
        return [entries[i] for i in keep], len(entries) - limit
    return list(entries[:limit]), len(entries) - limit


def clamp_future(entries: Sequence[Entry], now: float) -> list[Entry]:
    """Entries dated after `now` (their first sight) are dated `now`: a story from the year
    9999 must not stay on top of /latest forever."""
    when = datetime.fromtimestamp(now, tz=UTC)
    return [
        replace(e, published=when) if e.published is not None and e.published > when else e
        for e in entries
    ]


async def store_entries(
    store: Store,
    feed_id: int,
    entries: Sequence[Entry],
    *,
    now: float,
    subscriptions: SubscriptionIndex | None,
    chunk: int = StoryLimits.chunk,
    headlines: RecentHeadlines | None = None,
) -> tuple[list[Story], int]:
    """Store the entries, and queue alerts for the new stories unless `subscriptions` is
    None (a backlog). Returns the new stories and the alerts queued."""
    stories: list[Story] = []
    queued = 0
    for start in range(0, len(entries), chunk):
        if start:
            await asyncio.sleep(0)  # let commands and other feeds run between chunks
        # One transaction per chunk: a crash cannot store a story without its alerts.
        with store.transaction():
            new = add_stories(
                store, feed_id, entries[start : start + chunk], now=now, headlines=headlines
            )
            alerts = subscriptions.alerts_for(new) if subscriptions is not None and new else []
            queued += store.enqueue_alerts(alerts, now=now) if alerts else 0
        stories += new
    return stories, queued


_CAPPED: set[str] = set()  # feeds already logged as over the per-refresh cap


def limited_entries(parsed: ParsedFeed, limits: StoryLimits, name: str, now: float) -> list[Entry]:
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
