"""The database: the only package that talks to SQLite (through sqlite-utils).

`Store` returns models, never rows. WAL mode lets a backup or a reader run beside the bot.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path

from sqlite_utils import Database

from ._base import StoreBase, now_ts
from .channels import ChannelLink, ChannelsMixin
from .chats import ChatsMixin, SubscriptionRow
from .feed_cap import FeedCapMixin
from .feeds import FeedsMixin
from .migrations import MIGRATIONS
from .outbox import NewAlert, OutboxMixin
from .preferences import ChatPreferences, PreferencesMixin
from .stories import StoriesMixin

__all__ = [
    "ChannelLink",
    "ChatPreferences",
    "NewAlert",
    "Store",
    "SubscriptionRow",
    "now_ts",
]


class Store(
    FeedsMixin,
    StoriesMixin,
    FeedCapMixin,
    ChatsMixin,
    ChannelsMixin,
    OutboxMixin,
    PreferencesMixin,
    StoreBase,
):
    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the database at `path`, or ":memory:", and migrate it."""
        if str(path) == ":memory:":
            db = Database(memory=True)
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = Database(Path(path))
            db.enable_wal()
        db.execute("pragma synchronous = normal")
        db.execute("pragma busy_timeout = 30000")
        MIGRATIONS.apply(db)
        return cls(db)

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> AbstractContextManager[Database]:
        """Group several writes atomically (nested calls become savepoints)."""
        return self._atomic()

    def backup_to(self, target: Path | str) -> None:
        """A consistent copy while the bot runs (SQLite's online backup API)."""
        dest = sqlite3.connect(str(target))
        try:
            self.db.conn.backup(dest)
        finally:
            dest.close()

    def feed_states(self) -> dict[str, int]:
        """How many feeds are in each state (for /metrics)."""
        rows = self.db.execute("select state, count(*) from feeds group by state").fetchall()
        return {str(state): int(n) for state, n in rows}

    def stats(self) -> dict[str, int]:
        alerts = self.alert_counts()
        return {
            "feeds": int(self._scalar("select count(*) from feeds where state != 'disabled'")),
            "stories": self.count_stories(),
            "chats": int(self._scalar("select count(*) from chats")),
            "active_chats": int(self._scalar("select count(*) from chats where active = 1")),
            "subscriptions": int(self._scalar("select count(*) from subscriptions")),
            "alerts_sent": alerts["sent"],
            "alerts_pending": alerts["pending"],
            "alerts_failed": alerts["failed"],
            "alerts_expired": alerts["expired"],
        }
