"""Per-chat preferences: language and time zone (NULL: not chosen, use the default)."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import StoreBase, now_ts

__all__ = ["ChatPreferences", "PreferencesMixin"]


@dataclass(frozen=True)
class ChatPreferences:
    language: str | None = None
    timezone: str | None = None


class PreferencesMixin(StoreBase):
    def chat_preferences(self, chat_id: int) -> ChatPreferences:
        rows = self._rows(
            "select language, timezone from chat_preferences where chat_id = ?", [chat_id]
        )
        if not rows:
            return ChatPreferences()
        return ChatPreferences(language=rows[0]["language"], timezone=rows[0]["timezone"])

    def set_chat_language(self, chat_id: int, language: str) -> None:
        self._set_preference(chat_id, "language", language)

    def set_chat_timezone(self, chat_id: int, timezone: str) -> None:
        self._set_preference(chat_id, "timezone", timezone)

    def _set_preference(self, chat_id: int, column: str, value: str) -> None:
        assert column in {"language", "timezone"}  # a column name, never user input
        with self.db.atomic():
            self.db.execute(
                f"insert into chat_preferences (chat_id, {column}, updated_at) values (?, ?, ?) "
                f"on conflict(chat_id) do update set {column} = excluded.{column}, "
                "updated_at = excluded.updated_at",
                [chat_id, value, now_ts()],
            )
