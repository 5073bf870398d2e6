"""Chats and their topic subscriptions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from ..models import Chat, Subscription
from ._base import StoreBase, now_ts, to_dt

# id, chat_id, topic, created_at, thread_id, muted_until (timestamps as stored)
SubscriptionRow = tuple[int, int, str, float, int | None, float | None]


def _chat(row: dict[str, Any]) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"] or "",
        active=bool(row["active"]),
        muted_until=to_dt(row["muted_until"]),
    )


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=row["id"],
        chat_id=row["chat_id"],
        topic=row["topic"],
        normalised=row["normalised"],
        created_at=to_dt(row["created_at"]),  # type: ignore[arg-type]
        thread_id=row.get("thread_id"),
        muted_until=to_dt(row.get("muted_until")),
    )


class ChatsMixin(StoreBase):
    def touch_chat(self, chat_id: int, chat_type: str, title: str = "") -> None:
        """Record a chat that wrote to the bot; writing again re-activates a blocked chat."""
        with self._atomic():
            self.db.execute(
                "insert into chats (id, type, title, active, created_at) values (?, ?, ?, 1, ?) "
                "on conflict(id) do update set type = excluded.type, title = excluded.title, "
                "active = 1",
                [chat_id, chat_type, title, now_ts()],
            )

    def get_chat(self, chat_id: int) -> Chat | None:
        rows = self._rows("select * from chats where id = ?", [chat_id])
        return _chat(rows[0]) if rows else None

    def subscribe(
        self,
        chat_id: int,
        topic: str,
        normalised: str,
        *,
        now: float | None = None,
        thread_id: int | None = None,
    ) -> tuple[Subscription, bool]:
        """Add a subscription; returns it and whether it is new (False: already followed)."""
        try:
            with self._atomic():
                self.db.execute(
                    "insert into subscriptions (chat_id, topic, normalised, created_at, "
                    "thread_id) values (?, ?, ?, ?, ?)",
                    [chat_id, topic, normalised, now_ts() if now is None else now, thread_id],
                )
            created = True
        except sqlite3.IntegrityError:
            created = False
        rows = self._rows(
            "select * from subscriptions where chat_id = ? and normalised = ?",
            [chat_id, normalised],
        )
        return _subscription(rows[0]), created

    def unsubscribe(self, chat_id: int, normalised: str) -> Subscription | None:
        rows = self._rows(
            "select * from subscriptions where chat_id = ? and normalised = ?",
            [chat_id, normalised],
        )
        if not rows:
            return None
        with self._atomic():
            self.db.execute("delete from subscriptions where id = ?", [rows[0]["id"]])
        return _subscription(rows[0])

    def chat_subscriptions(self, chat_id: int) -> list[Subscription]:
        rows = self._rows("select * from subscriptions where chat_id = ? order by id", [chat_id])
        return [_subscription(r) for r in rows]

    def chat_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """The subscription, only if it is this chat's (a button's id is checked here)."""
        rows = self._rows(
            "select * from subscriptions where id = ? and chat_id = ?", [subscription_id, chat_id]
        )
        return _subscription(rows[0]) if rows else None

    def set_topic_muted_until(self, subscription_id: int, until: float | None) -> None:
        """No alerts from this subscription until `until` (None: not muted)."""
        with self._atomic():
            self.db.execute(
                "update subscriptions set muted_until = ? where id = ?", [until, subscription_id]
            )

    def all_subscriptions(self) -> list[Subscription]:
        return [_subscription(r) for r in self._rows("select * from subscriptions order by id")]

    def subscription_rows(self) -> Iterator[SubscriptionRow]:
        """Every subscription in id order, as plain tuples read one at a time: at start-up
        the index is built from them without a list of 100,000 models (and their dicts) in
        memory at once. Read it to the end before writing through this store."""
        yield from self.db.execute(
            "select id, chat_id, topic, created_at, thread_id, muted_until "
            "from subscriptions order by id"
        )

    def set_muted_until(self, chat_id: int, until: float | None) -> None:
        """Mute the chat's alerts until `until`; a past time means the mute has ended then."""
        with self._atomic():
            self.db.execute("update chats set muted_until = ? where id = ?", [until, chat_id])

    def move_chat(self, old_id: int, new_id: int) -> list[int]:
        """A group became a supergroup: its subscriptions and pending alerts follow it.

        Returns the ids of the subscriptions the old chat had (some may now be gone as
        duplicates of the new chat's own).
        """
        old_subscriptions = [
            int(row[0])
            for row in self.db.execute("select id from subscriptions where chat_id = ?", [old_id])
        ]
        with self._atomic():
            chat = self._rows("select * from chats where id = ?", [old_id])
            self.db.execute(
                "insert or ignore into chats (id, type, title, active, created_at) "
                "values (?, 'supergroup', ?, 1, ?)",
                [new_id, chat[0]["title"] if chat else "", now_ts()],
            )
            self.db.execute(
                "update or ignore subscriptions set chat_id = ? where chat_id = ?",
                [new_id, old_id],
            )
            self.db.execute("delete from subscriptions where chat_id = ?", [old_id])
            self.db.execute(
                "update or ignore alerts set chat_id = ? where chat_id = ?", [new_id, old_id]
            )
            # What stayed behind is already waiting for the new chat: once is enough.
            self.db.execute("delete from alerts where chat_id = ? and status = 'pending'", [old_id])
            self.db.execute("update chats set active = 0 where id = ?", [old_id])
            # Its language and time zone go along (unless the new chat already chose).
            self.db.execute(
                "update or ignore chat_preferences set chat_id = ? where chat_id = ?",
                [new_id, old_id],
            )
        return old_subscriptions
