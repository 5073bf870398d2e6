"""Which language and time zone a chat sees: its own choice, else its user's, else the default."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from ..i18n import ChatLocale, language_for_code, resolve_locale
from ..models import ChatPreferences
from .services import Context, services

__all__ = ["ChatLocale", "chat_locale", "note_language"]


def chat_locale(update: Update, context: Context) -> ChatLocale:
    """The locale for a reply to this update (message or button press)."""
    svc = services(context)
    chat, user = update.effective_chat, update.effective_user
    prefs = svc.store.chat_preferences(chat.id) if chat else ChatPreferences()
    return resolve_locale(prefs, user.language_code if user else None, svc.settings.timezone)


def note_language(update: Update, context: Context) -> None:
    """Remember the language of the person writing, for the alerts the chat gets later.

    A private chat follows its person; a group keeps the first one seen (usually whoever
    added the bot) until its admins choose with /language.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or not user.language_code:
        return
    store = services(context).store
    seen = store.chat_preferences(chat.id).seen_language
    language = language_for_code(user.language_code)
    if seen != language and (seen is None or chat.type == ChatType.PRIVATE):
        store.set_seen_language(chat.id, language)
