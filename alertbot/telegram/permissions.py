"""Who may run what: bot admins (ALERTBOT_ADMIN_IDS) for admin commands; in a group, only
its admins change what the group receives (anyone may in a private chat)."""

from __future__ import annotations

import logging
from functools import wraps
from html import escape

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from .chat_locale import chat_locale
from .replies import reply
from .services import Context, Handler, services

__all__ = ["admin_only", "chat_admins_only", "may_manage"]

log = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


async def _may_manage(update: Update, context: Context) -> bool:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    # An anonymous group admin writes as the group itself.
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("chat %s: cannot check whether user %s is an admin: %s", chat.id, user.id, exc)
        return False
    return member.status in _ADMIN_STATUSES


def chat_admins_only(handler: Handler) -> Handler:
    """In a group, changing what the whole group receives is for the group's admins."""

    @wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        if not await _may_manage(update, context):
            t = chat_locale(update, context).t
            await reply(
                update,
                escape(t.gettext("⛔ Only this group's admins can change its topics and alerts.")),
            )
            return
        await handler(update, context)

    return wrapper


async def may_manage(update: Update, context: Context) -> bool:
    """Whether the update's sender may change what the chat receives (buttons use it too)."""
    return await _may_manage(update, context)


def admin_only(handler: Handler) -> Handler:
    """Refuse, politely and visibly, anyone not in ALERTBOT_ADMIN_IDS."""

    @wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        user = update.effective_user
        if not services(context).is_admin(user.id if user else None):
            t = chat_locale(update, context).t
            await reply(
                update, escape(t.gettext("⛔ Sorry, only the bot's admins can use this command."))
            )
            return
        await handler(update, context)

    return wrapper
