"""What one chat's next message says: in its language and time zone, with the alert's
buttons. The sender asks; the store and the keyboard are handed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from telegram import InlineKeyboardMarkup

from ..i18n import ChatLocale, resolve_locale
from ..models import Alert, Story
from ..store import Store
from .format import digest_parts, format_alert

__all__ = ["AlertKeyboard", "Composer"]

# The buttons under one alert (mute its topic, unsubscribe), or None for none.
AlertKeyboard = Callable[[Alert, ChatLocale], InlineKeyboardMarkup | None]


class Composer:
    def __init__(
        self,
        store: Store,
        *,
        default_zone: str = "UTC",
        keyboard: AlertKeyboard | None = None,
    ) -> None:
        self.store = store
        self.default_zone = default_zone
        self.keyboard = keyboard

    def reader(self, chat_id: int) -> ChatLocale:
        """The chat's choices, else the language its Telegram app was seen in."""
        return resolve_locale(self.store.chat_preferences(chat_id), None, self.default_zone)

    def alert(
        self, chat_id: int, alert: Alert, story: Story, extra_sources: int
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        reader = self.reader(chat_id)
        text = format_alert(
            story,
            topic=alert.topic,
            reason=alert.reason,
            extra_sources=extra_sources,
            reader=reader,
        )
        chat = self.store.get_chat(chat_id)
        # Every reader of a channel could press its buttons: a channel's alerts have none.
        if self.keyboard is None or (chat is not None and chat.type == "channel"):
            return text, None
        return text, self.keyboard(alert, reader)

    def digest(
        self,
        chat_id: int,
        items: Sequence[tuple[Story, str]],
        extra_sources: Mapping[int, int],
        *,
        after_mute: bool,
    ) -> list[tuple[str, int]]:
        reader = self.reader(chat_id)
        note = reader.t.gettext("while this chat was muted") if after_mute else ""
        return digest_parts(items, extra_sources=extra_sources, note=note, reader=reader)
