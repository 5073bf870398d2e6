"""Per-chat preferences: language and time zone (NULL: not chosen, use the default), and
the language the chat's Telegram app was seen in."""

from __future__ import annotations

from ..models import ChatPreferences
from ._base import StoreBase, now_ts

__all__ = ["ChatPreferences", "PreferencesMixin"]


class PreferencesMixin(StoreBase):
    def chat_preferences(self, chat_id: int) -> ChatPreferences:
        rows = self._rows(
            "select language, timezone, seen_language from chat_preferences where chat_id = ?",
            [chat_id],
        )
        if not rows:
            return ChatPreferences()
        row = rows[0]
        return ChatPreferences(row["language"], row["timezone"], row["seen_language"])

    def set_chat_language(self, chat_id: int, language: str) -> None:
        self._set_preference(chat_id, "language", language)

    def set_chat_timezone(self, chat_id: int, timezone: str) -> None:
        self._set_preference(chat_id, "timezone", timezone)

    def set_seen_language(self, chat_id: int, language: str) -> None:
        self._set_preference(chat_id, "seen_language", language)

    def _set_preference(self, chat_id: int, column: str, value: str) -> None:
        assert column in {
            "language",
            "timezone",
            "seen_language",
        }  # a column name, never user input
        with self.db.atomic():
            self.db.execute(
                f"insert into chat_preferences (chat_id, {column}, updated_at) values (?, ?, ?) "
                f"on conflict(chat_id) do update set {column} = excluded.{column}, "
                "updated_at = excluded.updated_at",
                [chat_id, value, now_ts()],
            )
