"""Per-chat preferences (NULL: not chosen, use the default): language, time zone, delivery
(digests, quiet hours, link previews), and the language the chat was last written to in."""

from __future__ import annotations

from ..models import ChatPreferences
from ._base import StoreBase, now_ts

__all__ = ["ChatPreferences", "PreferencesMixin"]


_COLUMNS = (
    "language",
    "timezone",
    "seen_language",
    "delivery",
    "daily_hour",
    "quiet_start",
    "quiet_end",
    "previews",
)


class PreferencesMixin(StoreBase):
    def chat_preferences(self, chat_id: int) -> ChatPreferences:
        rows = self._rows(
            f"select {', '.join(_COLUMNS)} from chat_preferences where chat_id = ?", [chat_id]
        )
        if not rows:
            return ChatPreferences()
        row = rows[0]
        return ChatPreferences(**{**row, "previews": bool(row["previews"])})

    def set_chat_language(self, chat_id: int, language: str) -> None:
        self.set_chat_preferences(chat_id, language=language)

    def set_chat_timezone(self, chat_id: int, timezone: str) -> None:
        self.set_chat_preferences(chat_id, timezone=timezone)

    def set_seen_language(self, chat_id: int, language: str) -> None:
        self.set_chat_preferences(chat_id, seen_language=language)

    def set_chat_preferences(self, chat_id: int, **values: str | int | bool | None) -> None:
        """Change some of the chat's preferences (the others stay)."""
        assert values and set(values) <= set(_COLUMNS), values  # column names, never input
        names = list(values)
        with self._atomic():
            self.db.execute(
                f"insert into chat_preferences (chat_id, {', '.join(names)}, updated_at) "
                f"values (?, {', '.join('?' for _ in names)}, ?) on conflict(chat_id) do update "
                f"set {', '.join(f'{n} = excluded.{n}' for n in names)}, "
                "updated_at = excluded.updated_at",
                [chat_id, *values.values(), now_ts()],
            )
