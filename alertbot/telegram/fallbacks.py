"""What runs around the commands: chat tracking, unknown input, and the error handler."""

from __future__ import annotations

import contextlib
import logging
from html import escape

from telegram import Update
from telegram.constants import ChatType

from ..i18n import Translator, language_for_code, translator
from .chat_locale import chat_locale, note_language
from .replies import reply
from .services import Context, services

__all__ = ["on_error", "plain_text", "track_chat", "unknown_command"]

log = logging.getLogger(__name__)


async def track_chat(update: Update, context: Context) -> None:
    """Remember every chat that writes; a chat that had blocked the bot is active again."""
    chat = update.effective_chat
    if chat is not None and context.bot_data.services is not None:
        services(context).store.touch_chat(chat.id, chat.type, chat.title or chat.full_name or "")
        note_language(update, context)


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: in a private chat say so and point at /help; in a
    group say nothing, as it may belong to another bot there (so may `/cmd@otherbot`, which
    never reaches our command handlers)."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    text = (update.effective_message.text or "") if update.effective_message else ""
    word = text.split()[0] if text.split() else text
    said = chat_locale(update, context).t.gettext(
        "Unknown command {word}. Send /help for the list."
    )
    await reply(update, escape(said.format(word=word[:64])))


async def plain_text(update: Update, context: Context) -> None:
    """Text that is not a command, in a private chat: show the way."""
    t = chat_locale(update, context).t
    await reply(
        update,
        escape(
            t.gettext(
                "I understand commands. Send /help to see them, or try /subscribe Nagorno-Karabakh"
            )
        ),
    )


def _texts(update: Update, context: Context) -> Translator:
    """The chat's language; the person's own when the store itself is what failed."""
    try:
        return chat_locale(update, context).t
    except Exception:
        user = update.effective_user
        return translator(language_for_code(user.language_code if user else None))


async def on_error(update: object, context: Context) -> None:
    """Log with the traceback and tell the user something went wrong; never crash."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        with contextlib.suppress(Exception):
            t = _texts(update, context)
            await reply(
                update,
                escape(
                    t.gettext("⚠️ Sorry, something went wrong with that command. Please try again.")
                ),
            )
