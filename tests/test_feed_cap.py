"""The per-feed cap on stored stories: the feed's oldest go, other feeds and waiting alerts stay."""

from __future__ import annotations

from alertbot.models import Entry
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert, Store

from .helpers import searched_titles


def entries(prefix: str, n: int) -> list[Entry]:
    return [
        Entry(guid=f"{prefix}{i}", link=f"https://{prefix}.example/{i}", title=f"{prefix} {i}")
        for i in range(n)
    ]


def test_the_oldest_of_one_feed_are_pruned_beyond_the_cap(fresh_store: Store) -> None:
    capped = fresh_store.add_feed("https://a.example/rss", interval=60)
    other = fresh_store.add_feed("https://b.example/rss", interval=60)
    old = add_stories(fresh_store, capped.id, entries("old", 5), now=1_000)
    add_stories(fresh_store, capped.id, entries("new", 5), now=2_000)
    add_stories(fresh_store, other.id, entries("other", 5), now=500)
    fresh_store.enqueue_alerts([NewAlert(42, old[0].id, "A", "r")], now=1_000)  # still waiting

    assert fresh_store.cap_feed_stories(capped.id, 6) == 4
    titles = {s.title for s in fresh_store.latest_stories(100)}
    assert titles == {"old 0", *(f"new {i}" for i in range(5)), *(f"other {i}" for i in range(5))}
    assert fresh_store.cap_feed_stories(capped.id, 6) == 0
    assert searched_titles(fresh_store, "old") == ["old 0"]  # the search index too
