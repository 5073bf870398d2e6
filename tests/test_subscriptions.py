"""Subscriptions: the database and the in-memory index always change together."""

from __future__ import annotations

from datetime import UTC, datetime

from alertbot.matching import Aliases
from alertbot.matching.subscriptions import SubscriptionIndex, Subscriptions
from alertbot.models import Story
from alertbot.store import Store

LATER = datetime(2100, 1, 1, tzinfo=UTC)


def story(title: str) -> Story:
    return Story(
        1, 1, "g", "https://a.example/1", "https://a.example/1", title, "", "", None, LATER
    )


def chats_alerted(subs: Subscriptions, title: str) -> list[int]:
    return [a.chat_id for a in subs.index.alerts_for([story(title)])]


def test_subscribe_and_unsubscribe_change_both(fresh_store: Store) -> None:
    subs = Subscriptions(fresh_store, SubscriptionIndex(), Aliases.empty())
    sub, created = subs.subscribe(10, "Karabakh")
    assert created and chats_alerted(subs, "Fighting in Karabakh") == [10]
    assert subs.subscribe(10, "karabakh")[1] is False  # the same topic, as normalised
    assert len(subs) == 1 and len(fresh_store.all_subscriptions()) == 1
    subs.unsubscribe(sub)
    assert chats_alerted(subs, "Fighting in Karabakh") == []
    assert fresh_store.chat_subscriptions(10) == []


def test_a_moved_chat_is_alerted_under_its_new_id(fresh_store: Store) -> None:
    fresh_store.touch_chat(-1, "group", "Group")
    subs = Subscriptions(fresh_store, SubscriptionIndex(), Aliases.empty())
    subs.subscribe(-1, "Karabakh")
    subs.chat_moved(fresh_store.move_chat(-1, -100), -100)
    assert chats_alerted(subs, "Fighting in Karabakh") == [-100]


def test_new_aliases_apply_to_existing_topics_and_new_ones(fresh_store: Store) -> None:
    subs = Subscriptions(fresh_store, SubscriptionIndex(), Aliases.empty())
    subs.subscribe(10, "Karabakh")
    assert chats_alerted(subs, "News from Artsakh") == []
    subs.set_aliases(Aliases.from_names([["Karabakh", "Artsakh"]]))
    assert chats_alerted(subs, "News from Artsakh") == [10]
    assert subs.aliases.longest > 0


def test_a_muted_topic_alerts_nobody_until_its_mute_ends_and_survives_a_restart(
    fresh_store: Store,
) -> None:
    subs = Subscriptions(fresh_store, SubscriptionIndex(), Aliases.empty())
    karabakh, _ = subs.subscribe(10, "Karabakh")
    subs.subscribe(10, "Armenia")  # another of the chat's topics still names the story
    subs.subscribe(20, "Karabakh")
    subs.mute(karabakh, LATER.timestamp() + 60)
    [ten, twenty] = subs.index.alerts_for([story("Armenia and Karabakh talk")])
    assert (ten.chat_id, ten.topic, twenty.chat_id) == (10, "Armenia", 20)
    assert chats_alerted(subs, "Fighting in Karabakh") == [20]
    rebuilt = SubscriptionIndex.build(fresh_store.all_subscriptions())  # after a restart
    assert [a.chat_id for a in rebuilt.alerts_for([story("Fighting in Karabakh")])] == [20]
    subs.mute(karabakh, LATER.timestamp())  # a mute that ended when the story was seen
    [alert, _] = subs.index.alerts_for([story("Fighting in Karabakh")])
    assert (alert.chat_id, alert.subscription_id) == (10, karabakh.id)
