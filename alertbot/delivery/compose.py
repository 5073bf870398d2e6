"""What one chat's next message says and when it may go: in its language and time zone,
with the alert's buttons, by its delivery plan. The sender asks; the store and the keyboard
are handed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from ..i18n import ChatLocale, resolve_locale
from ..models import Alert, Chat, Story
from ..store import Store
from .format import Texts, digest_parts, format_alert
from .timing import MODES, DeliveryPlan

__all__ = ["AlertKeyboard", "Composer", "Recipient"]

# The buttons under one alert (mute its topic, unsubscribe), or None for none.
AlertKeyboard = Callable[[Alert, ChatLocale], InlineKeyboardMarkup | None]
DEFAULT_DAILY_HOUR = 8


@dataclass(frozen=True)
class Recipient:
    """One chat as the sender sees it, read once per message."""

    chat_id: int
    chat: Chat | None  # None: never wrote (a test's chat)
    reader: ChatLocale
    plan: DeliveryPlan
    previews: bool

    @property
    def channel(self) -> bool:
        return self.chat is not None and self.chat.type == "channel"


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

    def texts_for(self, chat_id: int) -> Texts:
        """The chat's language for a message that answers no one (admin notices)."""
        prefs = self.store.chat_preferences(chat_id)
        return resolve_locale(prefs, None, self.default_zone).t

    def recipient(self, chat_id: int) -> Recipient:
        prefs = self.store.chat_preferences(chat_id)
        # The chat's choices, else the language it was last written to in.
        reader = resolve_locale(prefs, None, self.default_zone)
        quiet = (
            (prefs.quiet_start, prefs.quiet_end)
            if prefs.quiet_start is not None and prefs.quiet_end is not None
            else None
        )
        plan = DeliveryPlan(
            mode=prefs.delivery if prefs.delivery in MODES else "now",
            daily_hour=DEFAULT_DAILY_HOUR if prefs.daily_hour is None else prefs.daily_hour,
            quiet=quiet,
            zone=reader.zone,
        )
        return Recipient(chat_id, self.store.get_chat(chat_id), reader, plan, prefs.previews)

    def alert(
        self, to: Recipient, alert: Alert, story: Story, extra_sources: int
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        text = format_alert(
            story,
            topic=alert.topic,
            reason=alert.reason,
            extra_sources=extra_sources,
            reader=to.reader,
        )
        # Every reader of a channel could press its buttons: a channel's alerts have none.
        if self.keyboard is None or to.channel:
            return text, None
        return text, self.keyboard(alert, to.reader)

    def digest(
        self,
        to: Recipient,
        items: Sequence[tuple[Story, str]],
        extra_sources: Mapping[int, int],
        *,
        why: str = "",
    ) -> list[tuple[str, int]]:
        """`why`: "muted", "quiet", "hourly", "daily" or "" (too many at once)."""
        t = to.reader.t
        notes = {
            "muted": t.gettext("while this chat was muted"),
            "quiet": t.gettext("during this chat's quiet hours"),
            "hourly": t.gettext("your hourly digest"),
            "daily": t.gettext("your daily digest"),
        }
        return digest_parts(
            items, extra_sources=extra_sources, note=notes.get(why, ""), reader=to.reader
        )
