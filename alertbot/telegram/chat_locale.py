"""Which language and time zone a chat sees: its own choice, else its user's, else the default."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from telegram import Update

from ..store import ChatPreferences
from .i18n import LANGUAGES, Translator, language_for_code, translator
from .services import Context, services

__all__ = ["ChatLocale", "chat_locale", "resolve_locale"]


@dataclass(frozen=True)
class ChatLocale:
    language: str  # "en" or "id"
    zone: str  # an IANA name
    language_chosen: bool  # False: read from the user's Telegram language_code

    @property
    def t(self) -> Translator:
        return translator(self.language)


def _known_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def resolve_locale(
    prefs: ChatPreferences, language_code: str | None, default_zone: str
) -> ChatLocale:
    """The chat's choices win; a zone the tz database no longer has falls back; pure."""
    chosen = prefs.language in LANGUAGES
    language = prefs.language if chosen and prefs.language else language_for_code(language_code)
    zone = prefs.timezone if prefs.timezone and _known_zone(prefs.timezone) else default_zone
    return ChatLocale(language=language, zone=zone, language_chosen=chosen)


def chat_locale(update: Update, context: Context) -> ChatLocale:
    """The locale for a reply to this update (message or button press)."""
    svc = services(context)
    chat, user = update.effective_chat, update.effective_user
    prefs = svc.store.chat_preferences(chat.id) if chat else ChatPreferences()
    return resolve_locale(prefs, user.language_code if user else None, svc.settings.timezone)
