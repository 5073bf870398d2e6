"""The store: migrations, dedupe, outbox guarantees, search, stats."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertbot.models import AlertStatus, Entry, FeedState, FeedUpdate
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert, Store

from .helpers import searched_titles


def entry(n: int, **kw: object) -> Entry:
    base: dict[str, object] = {
        "guid": f"g{n}",
        "link": f"https://news.example/story/{n}?utm_source=rss",
        "title": f"Story number {n}",
        "summary": f"summary {n}",
        "content": f"text of story {n}",
        "published": datetime(2020, 10, 5, 12, n % 60, tzinfo=UTC),
    }
    base.update(kw)
    return Entry(**base)  # type: ignore[arg-type]


def test_migrations_create_every_table_in_wal_mode(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.db")
    try:
        tables = set(store.db.table_names())
        assert {"feeds", "stories", "chats", "subscriptions", "alerts", "stories_words"} <= tables
        # The first full-text index had no reader left: neither it nor its triggers remain.
        assert "stories_fts" not in tables
        triggers = {t.name for t in store.db.triggers}
        assert triggers == {"stories_words_ad"}
        assert store.db.journal_mode == "wal"
    finally:
        store.close()
    # Re-opening applies nothing twice.
    again = Store.open(tmp_path / "a.db")
    again.close()


def test_new_feed_is_due_at_once(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    assert feed.state is FeedState.NEW
    assert [f.id for f in fresh_store.due_feeds()] == [feed.id]
    fresh_store.update_feed(feed.id, FeedUpdate(next_poll=feed.next_poll.timestamp() + 300))
    assert fresh_store.due_feeds() == []


def test_stories_are_deduplicated_by_guid_and_across_feeds_by_canonical_link(
    fresh_store: Store,
) -> None:
    a = fresh_store.add_feed("https://a.example/rss", interval=300)
    b = fresh_store.add_feed("https://b.example/rss", interval=300)
    first = add_stories(fresh_store, a.id, [entry(1), entry(2)])
    assert [s.title for s in first] == ["Story number 1", "Story number 2"]
    assert add_stories(fresh_store, a.id, [entry(1), entry(2)]) == []
    # Feed b carries story 1 under another guid, with tracking parameters and http.
    same = entry(1, guid="other", link="http://news.example/story/1/?utm_medium=x#top")
    assert add_stories(fresh_store, b.id, [same, entry(3)])[0].title == "Story number 3"
    assert fresh_store.count_stories() == 3


def test_entry_without_guid_uses_its_canonical_link(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    e = entry(5, guid=None)
    assert len(add_stories(fresh_store, feed.id, [e])) == 1
    assert add_stories(fresh_store, feed.id, [e]) == []


def test_latest_is_newest_first(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    add_stories(fresh_store, feed.id, [entry(1), entry(3), entry(2)])
    assert [s.guid for s in fresh_store.latest_stories(2)] == ["g3", "g2"]


def test_alerts_are_unique_per_chat_and_story(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    (story,) = add_stories(fresh_store, feed.id, [entry(1)])
    fresh_store.touch_chat(42, "private")
    assert fresh_store.enqueue_alerts([NewAlert(42, story.id, "A", "r")]) == 1
    assert fresh_store.enqueue_alerts([NewAlert(42, story.id, "B", "r")]) == 0
    assert fresh_store.due_chats() == [42]
    (pending,) = fresh_store.chat_due_alerts(42)
    assert pending.topic == "A" and pending.status is AlertStatus.PENDING
    fresh_store.mark_sent([pending.id])
    assert fresh_store.due_chats() == []
    assert fresh_store.stats()["alerts_sent"] == 1


def test_inactive_chats_get_nothing_until_they_write_again(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    (story,) = add_stories(fresh_store, feed.id, [entry(1)])
    (later,) = add_stories(fresh_store, feed.id, [entry(2)])
    fresh_store.touch_chat(7, "private")
    fresh_store.enqueue_alerts([NewAlert(7, story.id, "A", "r")])
    assert fresh_store.give_up_chat(7, error="Forbidden: bot was blocked by the user") == 1
    assert fresh_store.due_chats() == []
    assert fresh_store.enqueue_alerts([NewAlert(7, later.id, "A", "r")]) == 0
    assert fresh_store.stats()["alerts_failed"] == 1
    fresh_store.touch_chat(7, "private")  # the user writes to the bot again
    assert fresh_store.enqueue_alerts([NewAlert(7, later.id, "A", "r")]) == 1
    assert fresh_store.due_chats() == [7]


def test_subscribe_twice_is_one_subscription(fresh_store: Store) -> None:
    fresh_store.touch_chat(1, "private")
    sub, created = fresh_store.subscribe(1, "Nagorno-Karabakh", "nagorno karabakh")
    again, created_again = fresh_store.subscribe(1, "nagorno karabakh", "nagorno karabakh")
    assert created and not created_again and again.id == sub.id
    assert fresh_store.unsubscribe(1, "nagorno karabakh") is not None
    assert fresh_store.chat_subscriptions(1) == []


def test_move_chat_carries_subscriptions_and_pending_alerts(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    (story,) = add_stories(fresh_store, feed.id, [entry(1)])
    fresh_store.touch_chat(-5, "group", "Team")
    fresh_store.subscribe(-5, "Armenia", "armenia")
    fresh_store.enqueue_alerts([NewAlert(-5, story.id, "Armenia", "r")])
    fresh_store.move_chat(-5, -1005)
    assert [s.topic for s in fresh_store.chat_subscriptions(-1005)] == ["Armenia"]
    assert fresh_store.due_chats() == [-1005]


def test_prune_keeps_the_search_index_in_step(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    add_stories(fresh_store, feed.id, [entry(1, title="Old Karabakh story")], now=1000.0)
    add_stories(fresh_store, feed.id, [entry(2, title="New Karabakh story")])
    assert fresh_store.prune_stories(older_than=2000.0) == 1
    assert searched_titles(fresh_store, "Karabakh") == ["New Karabakh story"]


def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "live.db")
    feed = store.add_feed("https://a.example/rss", interval=300)
    add_stories(store, feed.id, [entry(1)])
    store.backup_to(tmp_path / "copy.db")
    store.close()
    copy = Store.open(tmp_path / "copy.db")
    assert copy.count_stories() == 1
    copy.close()


def test_a_feed_update_changes_only_what_it_sets(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://a.example/rss", interval=300)
    fresh_store.update_feed(feed.id, FeedUpdate(etag='"v1"', last_error="HTTP 503"))
    fresh_store.update_feed(feed.id, FeedUpdate(last_error=None))  # None clears; the rest stays
    updated = fresh_store.get_feed(feed.id)
    assert updated is not None
    assert (updated.etag, updated.last_error, updated.interval) == ('"v1"', None, 300)


def test_a_poll_is_recorded_while_another_connection_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/search indexes stories from its own connection while polls are recorded: a write
    that started as a read must not be refused ("database is locked") when the other
    connection wrote in between."""
    store = Store.open(tmp_path / "a.db")
    feed = store.add_feed("https://a.example/rss", interval=60)
    other = sqlite3.connect(tmp_path / "a.db", timeout=0.2)
    real_scalar = store._scalar
    refused: list[str] = []

    def scalar_then_other_writes(sql: str, params: object = ()) -> object:
        value = real_scalar(sql, params)
        try:  # what the search's connection does at this moment: it waits for the lock
            with other:
                other.execute("insert into stories_words (rowid, words) values (1, 'x')")
        except sqlite3.OperationalError as exc:
            refused.append(str(exc))
        return value

    monkeypatch.setattr(store, "_scalar", scalar_then_other_writes)
    try:
        store.record_poll(feed.id, FeedUpdate(next_poll=1234.0, errors_in_row=0))
        monkeypatch.undo()
        assert store.get_feed(feed.id).next_poll.timestamp() == 1234.0  # type: ignore[union-attr]
        assert refused == ["database is locked"]  # the poll held the lock: the other waited
    finally:
        other.close()
        store.close()
