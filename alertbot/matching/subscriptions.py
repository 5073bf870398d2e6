"""Every subscription in memory: the topic index plus who asked for what, and when.

`SubscriptionIndex.alerts_for` is the decision step: it does no I/O, it only turns new
stories into the alerts to write, one per chat at most. `Subscriptions` is the one place a
subscription changes: the database and the index together (/subscribe, /unsubscribe, a
group that became a supergroup, /reloadaliases).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from ..models import Story, Subscription
from ..store import NewAlert, Store, SubscriptionRow
from .aliases import Aliases
from .index import TopicIndex
from .normalise import normalise, story_body
from .query import Query

__all__ = ["SubscriptionIndex", "Subscriptions"]


@dataclass(slots=True)  # one per subscription: no __dict__; not frozen, 3x faster to make
class _Owner:
    chat_id: int
    topic: str
    created_at: datetime
    thread_id: int | None


class SubscriptionIndex:
    def __init__(self, aliases: Aliases | None = None) -> None:
        self._index = TopicIndex(aliases)
        self._owners: dict[int, _Owner] = {}
        self._muted: dict[int, float] = {}  # subscription id -> until (a timestamp)

    @classmethod
    def build(
        cls, subscriptions: Iterable[Subscription], aliases: Aliases | None = None
    ) -> SubscriptionIndex:
        index = cls(aliases)
        for sub in subscriptions:
            index.add(sub)
        return index

    @classmethod
    def load(
        cls, rows: Iterable[SubscriptionRow], aliases: Aliases | None = None
    ) -> SubscriptionIndex:
        """build() from the store's rows (`Store.subscription_rows`), as the bot starts.

        The same index, built leaner: no Subscription per row; every subscription of a
        topic shares its string and its index entry, every subscription of a chat its id;
        the collector is off while the long-lived objects pile up (it would only walk them).
        """
        index = cls(aliases)
        owners, muted = index._owners, index._muted
        topics: dict[str, str] = {}
        chats: dict[int, int] = {}

        def keyed() -> Iterator[tuple[int, str]]:
            for sub_id, chat_id, topic, created_at, thread_id, muted_until in rows:
                topic = topics.setdefault(topic, topic)
                yield sub_id, topic  # indexed first: a topic that fails changes nothing
                created = datetime.fromtimestamp(created_at, UTC)  # as to_dt() reads it
                owners[sub_id] = _Owner(
                    chats.setdefault(chat_id, chat_id), topic, created, thread_id
                )
                if muted_until is not None:  # as mute() after to_dt(): to the microsecond
                    muted[sub_id] = datetime.fromtimestamp(muted_until, UTC).timestamp()

        collecting = gc.isenabled()
        gc.disable()
        try:
            index._index.add_many(keyed())
        finally:
            if collecting:
                gc.enable()
        return index

    def add(self, sub: Subscription) -> Query:
        query = self._index.add(sub.id, sub.topic)
        self._owners[sub.id] = _Owner(sub.chat_id, sub.topic, sub.created_at, sub.thread_id)
        self.mute(sub.id, sub.muted_until.timestamp() if sub.muted_until else None)
        return query

    def mute(self, subscription_id: int, until: float | None) -> None:
        """No alerts from this subscription for stories first seen before `until`."""
        if until is None:
            self._muted.pop(subscription_id, None)
        else:
            self._muted[subscription_id] = until

    def remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._owners.pop(subscription_id, None)
        self._muted.pop(subscription_id, None)

    def set_aliases(self, aliases: Aliases) -> None:
        self._index.set_aliases(aliases)

    def __len__(self) -> int:
        return len(self._owners)

    def alerts_for(self, stories: Iterable[Story]) -> list[NewAlert]:
        """One alert per (chat, story): the chat's oldest matching subscription names it
        (and, in a forum, the thread it goes to).

        A subscription only alerts stories first seen after it was made, and none while its
        topic is muted (another of the chat's topics may still name the story).
        """
        alerts: list[NewAlert] = []
        for story in stories:
            text = story_body(story.summary, story.text)
            # Most stories match nobody: the cheap check first, reasons only for the rest.
            if not self._index.match(story.title, text):
                continue
            reasons = self._index.explain(story.title, text)
            chosen: dict[int, NewAlert] = {}
            for key in sorted(cast(int, k) for k in reasons):
                owner = self._owners.get(key)
                if owner is None or owner.created_at > story.first_seen:
                    continue
                if self._muted.get(key, 0.0) > story.first_seen.timestamp():
                    continue
                if owner.chat_id not in chosen:
                    chosen[owner.chat_id] = NewAlert(
                        owner.chat_id,
                        story.id,
                        owner.topic,
                        str(reasons[key]),
                        owner.thread_id,
                        subscription_id=key,
                    )
            alerts.extend(chosen.values())
        return alerts


class Subscriptions:
    """Changes subscriptions in the database and in the in-memory index together."""

    def __init__(self, store: Store, index: SubscriptionIndex, aliases: Aliases) -> None:
        self.store = store
        self.index = index
        self.aliases = aliases  # the alias groups in use, for reading new topics

    def __len__(self) -> int:
        return len(self.index)

    def subscribe(
        self, chat_id: int, topic: str, *, thread_id: int | None = None
    ) -> tuple[Subscription, bool]:
        """Follow `topic` (already checked to parse); False when the chat already follows it.

        In a forum, `thread_id` is the thread it was asked in: its alerts go there.
        """
        sub, created = self.store.subscribe(chat_id, topic, normalise(topic), thread_id=thread_id)
        if created:
            self.index.add(sub)
        return sub, created

    def unsubscribe(self, sub: Subscription) -> None:
        self.store.unsubscribe(sub.chat_id, sub.normalised)
        self.index.remove(sub.id)

    def mute(self, sub: Subscription, until: float | None) -> None:
        """Mute one topic until `until` (None: unmute), in the database and the index."""
        self.store.set_topic_muted_until(sub.id, until)
        self.index.mute(sub.id, until)

    def chat_moved(self, old_ids: Sequence[int], new_id: int) -> None:
        """A group became a supergroup (the store already moved its rows): re-index them."""
        for subscription_id in old_ids:
            self.index.remove(subscription_id)
        for sub in self.store.chat_subscriptions(new_id):
            self.index.remove(sub.id)
            self.index.add(sub)

    def set_aliases(self, aliases: Aliases) -> None:
        """Use new alias groups for every subscription, and for topics read from now on."""
        self.aliases = aliases
        self.index.set_aliases(aliases)
