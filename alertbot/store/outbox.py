"""The alerts outbox: an alert is written here before it is sent, and marked after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..models import Alert, AlertStatus
from ._base import StoreBase, now_ts, to_dt


@dataclass(frozen=True)
class NewAlert:
    chat_id: int
    story_id: int
    topic: str
    reason: str
    thread_id: int | None = None  # the forum thread of the subscription that named it
    subscription_id: int | None = None


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        chat_id=row["chat_id"],
        story_id=row["story_id"],
        status=AlertStatus(row["status"]),
        attempts=row["attempts"],
        topic=row["topic"] or "",
        reason=row["reason"] or "",
        created_at=to_dt(row["created_at"]),  # type: ignore[arg-type]
        sent_at=to_dt(row["sent_at"]),
        thread_id=row.get("thread_id"),
        subscription_id=row.get("subscription_id"),
    )


class OutboxMixin(StoreBase):
    def enqueue_alerts(self, alerts: Iterable[NewAlert], *, now: float | None = None) -> int:
        """Insert pending alerts; a (chat, story) already there is skipped. Returns the count.

        A chat marked inactive (it blocked the bot) gets none until it writes again.
        """
        now = now_ts() if now is None else now
        inserted = 0
        with self._atomic():
            for a in alerts:
                cursor = self.db.execute(
                    "insert or ignore into alerts (chat_id, story_id, status, attempts, topic, "
                    "reason, created_at, next_attempt, thread_id, subscription_id) "
                    "select ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ? "
                    "where not exists (select 1 from chats where id = ? and active = 0)",
                    [
                        a.chat_id,
                        a.story_id,
                        a.topic,
                        a.reason,
                        now,
                        now,
                        a.thread_id,
                        a.subscription_id,
                        a.chat_id,
                    ],
                )
                inserted += cursor.rowcount or 0
        return inserted

    def due_chats(self, now: float | None = None, *, limit: int = 100) -> list[int]:
        """Chats with an alert due (not inactive, not muted), the longest waiting first."""
        now = now_ts() if now is None else now
        rows = self.db.execute(
            "select alerts.chat_id from alerts left join chats on chats.id = alerts.chat_id "
            "where alerts.status = 'pending' and alerts.next_attempt <= ? "
            "and coalesce(chats.active, 1) = 1 and coalesce(chats.muted_until, 0) <= ? "
            "group by alerts.chat_id order by min(alerts.id) limit ?",
            [now, now, limit],
        )
        return [int(row[0]) for row in rows]

    def chat_due_alerts(
        self, chat_id: int, now: float | None = None, *, limit: int = 500
    ) -> list[Alert]:
        """One chat's pending alerts whose time has come, oldest first."""
        now = now_ts() if now is None else now
        rows = self._rows(
            "select * from alerts where chat_id = ? and status = 'pending' "
            "and next_attempt <= ? order by id limit ?",
            [chat_id, now, limit],
        )
        return [_alert(r) for r in rows]

    def give_up_chat(self, chat_id: int, *, error: str) -> int:
        """The chat refuses messages: mark it inactive and fail what waits for it."""
        with self._atomic():
            self.db.execute(
                "insert into chats (id, type, title, active, created_at) values (?, ?, '', 0, ?) "
                "on conflict(id) do update set active = 0",
                [chat_id, "private" if chat_id > 0 else "group", now_ts()],
            )
            cursor = self.db.execute(
                "update alerts set status = 'failed', attempts = attempts + 1, last_error = ? "
                "where chat_id = ? and status = 'pending'",
                [error, chat_id],
            )
        return int(cursor.rowcount or 0)

    def pending_count(self, chat_id: int) -> int:
        return int(
            self._scalar(
                "select count(*) from alerts where chat_id = ? and status = 'pending'", [chat_id]
            )
        )

    def mark_sent(self, alert_ids: Iterable[int], *, now: float | None = None) -> None:
        now = now_ts() if now is None else now
        with self._atomic():
            self.db.conn.executemany(
                "update alerts set status = 'sent', sent_at = ?, attempts = attempts + 1 "
                "where id = ?",
                [(now, i) for i in alert_ids],
            )

    def mark_retry(self, alert_ids: Iterable[int], *, error: str, next_attempt: float) -> None:
        with self._atomic():
            self.db.conn.executemany(
                "update alerts set attempts = attempts + 1, last_error = ?, next_attempt = ? "
                "where id = ?",
                [(error, next_attempt, i) for i in alert_ids],
            )

    def mark_failed(self, alert_ids: Iterable[int], *, error: str) -> None:
        with self._atomic():
            self.db.conn.executemany(
                "update alerts set status = 'failed', attempts = attempts + 1, last_error = ? "
                "where id = ?",
                [(error, i) for i in alert_ids],
            )

    def mark_expired(self, alert_ids: Iterable[int], *, error: str) -> None:
        """No longer news: never sent, and counted apart from the failed ones."""
        with self._atomic():
            self.db.conn.executemany(
                "update alerts set status = 'expired', last_error = ? where id = ?",
                [(error, i) for i in alert_ids],
            )

    def postpone_chat(self, chat_id: int, until: float) -> None:
        """Hold every pending alert of a chat (after a 429 for it) without counting a try."""
        with self._atomic():
            self.db.execute(
                "update alerts set next_attempt = max(next_attempt, ?) "
                "where chat_id = ? and status = 'pending'",
                [until, chat_id],
            )

    def release_chat(self, chat_id: int, now: float | None = None) -> None:
        """The chat's delivery plan changed: what waited for a slot is due again (untried
        alerts only; the sender holds them again if the new plan says so)."""
        now = now_ts() if now is None else now
        with self._atomic():
            self.db.execute(
                "update alerts set next_attempt = ? where chat_id = ? and status = 'pending' "
                "and attempts = 0 and next_attempt > ?",
                [now, chat_id, now],
            )

    def alert_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in AlertStatus}
        for status, n in self.db.execute("select status, count(*) from alerts group by status"):
            counts[status] = n
        return counts
