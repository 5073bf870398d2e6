"""The index the bot builds at start-up, in bulk from the store's rows, is the one that
adding each subscription builds (what /subscribe does, and what start-up did before)."""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from alertbot.matching import Aliases, TopicError, TopicIndex
from alertbot.matching.subscriptions import SubscriptionIndex
from alertbot.models import Story
from alertbot.store import Store

GROUPS = Aliases.from_names([["Karabakh", "Artsakh", "Nagorno-Karabakh"], ["UN", "United Nations"]])
TOPICS = ["Karabakh", "Armenia -football", '"ceasefire" OR truce', "UN", "armen*", "Karabakh"]
TITLES = [
    "Fighting in Artsakh",
    "Armenia wins at football",
    "Armenia agrees a truce",
    "UN talks on Karabakh",
    "Un moment, s'il vous plaît",
    "Armenian ceasefire holds",
]


def wakes_state(index: TopicIndex) -> dict[str, Any]:
    """Which topics (by id) each pattern wakes, of each kind (see matching/wakes.py)."""

    def ids(topics: Any) -> set[int] | None:
        return None if topics is None else {t.id for t in topics}

    return {
        pattern: (
            ids(slot.sure),
            ids(slot.check),
            None if slot.gated is None else {g: ids(ts) for g, ts in slot.gated.items()},
        )
        for pattern, slot in index._wakes._slots.items()
    }


def index_state(index: TopicIndex) -> dict[str, Any]:
    """Everything the index keeps about its topics, entries and patterns."""
    return {
        "keys": {k: (q.source, q.tree, e.id) for k, (q, e) in index._keys.items()},
        "entries": {e.id: (t, e.keys, e.required) for t, e in index._entries.items()},
        "wakes": wakes_state(index),
        "uses": index._uses,
        "cased": index._cased,
        "results": index._results,
        "shared": index._shared,
        "shared_keys": index._shared_keys,
        "next_id": index._next_id,
    }


def subscription_state(index: SubscriptionIndex) -> dict[str, Any]:
    return {
        "topics": index_state(index._index),
        "owners": index._owners,
        "muted": index._muted,
    }


def stories(first_seen: datetime) -> list[Story]:
    return [
        Story(n, 1, f"g{n}", f"https://a.example/{n}", None, title, "", "", None, first_seen)
        for n, title in enumerate(TITLES)
    ]


def add_each(items: list[tuple[Hashable, str]]) -> TopicIndex:
    index = TopicIndex(GROUPS)
    for key, source in items:
        index.add(key, source)
    return index


@pytest.mark.parametrize(
    "items",
    [
        [(n, TOPICS[n % len(TOPICS)]) for n in range(30)],
        # A key given again with another topic replaces it; the last key of an entry
        # leaving it and the topic coming back later makes a new entry.
        [(1, "Karabakh"), (2, "Armenia"), (1, "Armenia"), (3, "Karabakh"), (2, "Karabakh")],
        [(1, "Karabakh"), (1, "Karabakh"), (2, "Karabakh")],
        [],
    ],
)
def test_add_many_builds_what_adding_each_builds(items: list[tuple[Hashable, str]]) -> None:
    bulk = TopicIndex(GROUPS)
    bulk.add_many(iter(items))
    assert index_state(bulk) == index_state(add_each(items))
    for title in TITLES:
        assert bulk.match(title, "") == add_each(items).match(title, "")


def test_add_many_into_an_index_in_use_and_a_bad_topic() -> None:
    bulk = TopicIndex(GROUPS)
    bulk.add(1, "Karabakh")
    bulk.add_many([(2, "Karabakh"), (1, "Armenia")])
    assert index_state(bulk) == index_state(
        add_each([(1, "Karabakh"), (2, "Karabakh"), (1, "Armenia")])
    )
    with pytest.raises(TopicError):
        bulk.add_many([(3, "Georgia"), (4, "-Georgia")])
    assert bulk.match("Georgia and Artsakh", "") == {2, 3}  # what came before it stays


@pytest.fixture
def filled_store(fresh_store: Store) -> Store:
    for n in range(40):
        chat = -(100 + n % 7) if n % 3 else 100 + n % 7
        fresh_store.subscribe(
            chat,
            TOPICS[n % 5] + (f" {'abcdefgh'[n % 8]}ia" if n % 2 else ""),
            f"t{n}",
            now=1_600_000_000.123456789 + n * 0.3,
            thread_id=n if n % 11 == 0 else None,
        )
    fresh_store.set_topic_muted_until(3, 1_700_000_000.0000004)
    fresh_store.set_topic_muted_until(8, 1_800_000_000.5)
    return fresh_store


def test_subscription_rows_are_the_stored_subscriptions(filled_store: Store) -> None:
    rows = list(filled_store.subscription_rows())
    subs = filled_store.all_subscriptions()
    assert len(rows) == 40
    for (sub_id, chat_id, topic, created, thread_id, muted), sub in zip(rows, subs, strict=True):
        assert (sub_id, chat_id, topic, thread_id) == (
            sub.id,
            sub.chat_id,
            sub.topic,
            sub.thread_id,
        )
        assert datetime.fromtimestamp(created, UTC) == sub.created_at
        assert (muted is None) == (sub.muted_until is None)


def test_load_builds_what_build_builds(filled_store: Store) -> None:
    built = SubscriptionIndex.build(filled_store.all_subscriptions(), GROUPS)
    loaded = SubscriptionIndex.load(filled_store.subscription_rows(), GROUPS)
    assert subscription_state(loaded) == subscription_state(built)
    assert len(loaded) == len(built) == 40
    for seen in (datetime(2020, 9, 13, 12, 26, 40, 123457, UTC), datetime(2100, 1, 1, tzinfo=UTC)):
        assert loaded.alerts_for(stories(seen)) == built.alerts_for(stories(seen))
    assert loaded.alerts_for(stories(datetime(2100, 1, 1, tzinfo=UTC)))  # not all muted
    # Each subscription of a topic shares its one string.
    owners = [o for o in loaded._owners.values() if o.topic == TOPICS[0]]
    assert len(owners) > 1 and len({id(o.topic) for o in owners}) == 1


def test_load_leaves_the_collector_as_it_found_it(filled_store: Store) -> None:
    assert gc.isenabled()
    SubscriptionIndex.load(filled_store.subscription_rows(), GROUPS)
    assert gc.isenabled()
    gc.disable()
    try:
        SubscriptionIndex.load(filled_store.subscription_rows(), GROUPS)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def failing() -> Iterator[Any]:
        yield (1, 1, "-Georgia", 1.0, None, None)

    with pytest.raises(TopicError):
        SubscriptionIndex.load(failing(), GROUPS)
    assert gc.isenabled()


def test_count_feeds_counts_what_list_feeds_lists(fresh_store: Store) -> None:
    assert fresh_store.count_feeds() == 0
    feeds = [fresh_store.add_feed(f"https://f{n}.example/rss", interval=300) for n in range(3)]
    fresh_store.remove_feed(feeds[1].id)
    fresh_store.pause_feed(feeds[2].id)
    assert fresh_store.count_feeds() == len(fresh_store.list_feeds()) == 2
