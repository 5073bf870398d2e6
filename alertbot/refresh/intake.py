"""A feed's entries into stories: read what is known, decide (`identity`), write.

The store reads and writes; `identity.identify` decides; this module only joins them. The
recent headlines live in a `RecentHeadlines` the caller keeps (the poller holds one for
the life of the bot) so a retold story is found without scanning the day's stories.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..models import Entry, Story
from ..store import Store
from .dedupe import HeadlineIndex
from .identity import WINDOW_SECONDS, Known, NewStory, SecondSource, identify, identities
from .links import canonical_link

__all__ = ["RecentHeadlines", "add_stories"]

REBUILD_SECONDS = 3600  # a full rebuild this often forgets headlines older than the window


class RecentHeadlines:
    """The last day's headlines in memory, kept up to date from the store.

    Each use reads only the stories stored since the last one (by id), so stories another
    path stored (/addfeed, an OPML import) are seen too; headlines older than the window
    are expired at each use (an hourly rebuild stays as a safety net).
    """

    def __init__(self) -> None:
        self._index = HeadlineIndex()
        self._built_at: float | None = None
        self._last_id = 0

    def current(self, store: Store, now: float) -> HeadlineIndex:
        if self._built_at is None or not 0 <= now - self._built_at < REBUILD_SECONDS:
            self._index, self._built_at, self._last_id = HeadlineIndex(), now, 0
        self._index.expire(now - WINDOW_SECONDS)  # in time order: amortised O(1) a headline
        for story_id, title, seen in store.recent_headlines(
            since=now - WINDOW_SECONDS, after_id=self._last_id
        ):
            self._index.add(story_id, title, seen)
            self._last_id = max(self._last_id, story_id)
        return self._index


def add_stories(
    store: Store,
    feed_id: int,
    entries: Iterable[Entry],
    *,
    now: float | None = None,
    headlines: RecentHeadlines | None = None,
) -> list[Story]:
    """Store the entries this feed has not given before; return only the new stories.

    A story another feed already gave (the same canonical link, or a near-identical
    headline first seen within 24 hours) is not stored nor alerted twice: this feed is
    recorded as one more source of it.
    """
    now = time.time() if now is None else now
    batch = list(entries)
    fresh = identities(batch)
    guids = store.known_guids(feed_id, fresh)
    links = {canonical_link(e.link) for g, e in fresh.items() if g not in guids and e.link}
    index = (headlines or RecentHeadlines()).current(store, now)
    known = Known(frozenset(guids), store.stories_by_canonical_link(links), index)
    decisions = identify(batch, known, now=now)
    # The index outlives transactions: trust it only for stories really stored.
    while stale := _matched_headlines(decisions) - store.existing_story_ids(
        _matched_headlines(decisions)
    ):
        index.forget(stale)
        decisions = identify(batch, known, now=now)
    new = [d for d in decisions if isinstance(d, NewStory)]
    with store.transaction():  # one statement for the new stories, one for the sources
        stored = store.insert_stories(
            feed_id, [(d.entry, d.guid, d.canonical_link) for d in new], now=now
        )
        new_ids = {story.guid: story.id for story in stored}
        store.add_story_sources(
            feed_id,
            [
                (new_ids[d.of.guid] if isinstance(d.of, NewStory) else d.of, d.entry, d.guid)
                for d in decisions
                if isinstance(d, SecondSource)
            ],
            now=now,
        )
    return stored


def _matched_headlines(decisions: Iterable[SecondSource | NewStory]) -> set[int]:
    return {
        d.of
        for d in decisions
        if isinstance(d, SecondSource) and d.by == "headline" and isinstance(d.of, int)
    }
