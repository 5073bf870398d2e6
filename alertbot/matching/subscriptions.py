"""Every subscription in memory: the topic index plus who asked for what, and when.

`alerts_for` is the decision step: it does no I/O, it only turns new stories into the
alerts to write, one per chat at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from ..models import Story, Subscription
from ..store import NewAlert
from .aliases import Aliases
from .index import TopicIndex
from .query import Query

__all__ = ["SubscriptionIndex"]


@dataclass(frozen=True)
class _Owner:
    chat_id: int
    topic: str
    created_at: datetime


class SubscriptionIndex:
    def __init__(self, aliases: Aliases | None = None) -> None:
        self._index = TopicIndex(aliases)
        self._owners: dict[int, _Owner] = {}

    @classmethod
    def build(
        cls, subscriptions: Iterable[Subscription], aliases: Aliases | None = None
    ) -> SubscriptionIndex:
        index = cls(aliases)
        for sub in subscriptions:
            index.add(sub)
        return index

    def add(self, sub: Subscription) -> Query:
        query = self._index.add(sub.id, sub.topic)
        self._owners[sub.id] = _Owner(sub.chat_id, sub.topic, sub.created_at)
        return query

    def remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._owners.pop(subscription_id, None)

    def set_aliases(self, aliases: Aliases) -> None:
        self._index.set_aliases(aliases)

    def __len__(self) -> int:
        return len(self._owners)

    def alerts_for(self, stories: Iterable[Story]) -> list[NewAlert]:
        """One alert per (chat, story): the chat's oldest matching subscription names it.

        A subscription only alerts stories first seen after it was made.
        """
        alerts: list[NewAlert] = []
        for story in stories:
            text = f"{story.summary}\n{story.text}"
            # Most stories match nobody: the cheap check first, reasons only for the rest.
            if not self._index.match(story.title, text):
                continue
            reasons = self._index.explain(story.title, text)
            chosen: dict[int, NewAlert] = {}
            for key in sorted(cast(int, k) for k in reasons):
                owner = self._owners.get(key)
                if owner is None or owner.created_at > story.first_seen:
                    continue
                if owner.chat_id not in chosen:
                    chosen[owner.chat_id] = NewAlert(
                        owner.chat_id, story.id, owner.topic, str(reasons[key])
                    )
            alerts.extend(chosen.values())
        return alerts
