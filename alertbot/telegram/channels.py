"""/channel @name: a user links a Telegram channel they administer, then manages its topics
from their private chat with the bot (`/subscribe @name <topic>`, `/topics @name`).

Both sides are checked with the Bot API, at linking and again each time the channel's
topics change: the user must be an admin of the channel, and the bot an admin that may
post there. Someone who lost the right loses the link.
"""

from __future__ import annotations

import logging
import re
from html import escape

from telegram import ChatFullInfo, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from ..i18n import Translator
from ..store import ChannelLink
from .chat_locale import chat_locale
from .commands import usage
from .replies import argument_text, reply
from .services import Context, services

__all__ = ["HANDLERS", "channel_target", "linked_channels", "managed_channel", "split_channel"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")  # Telegram's public usernames
_ADMINS = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


def split_channel(text: str) -> tuple[str, str] | None:
    """ "@name rest" → ("name", "rest"); None when the text does not start with a @name."""
    match = _NAME.match(text.strip())
    if match is None or (text.strip()[match.end() :][:1] not in ("", " ")):
        return None
    return match.group(1), text.strip()[match.end() :].strip()


async def _check(
    context: Context, channel: str | int, user_id: int, t: Translator
) -> tuple[ChatFullInfo | None, str | None]:
    """The channel, and why the user may not manage its alerts (None when they may)."""
    bot = context.bot
    try:
        chat = await bot.get_chat(channel)
    except TelegramError:
        return None, t.gettext("I cannot find that channel. Is the name right, and am I in it?")
    if chat.type != ChatType.CHANNEL:
        return chat, t.gettext("That is not a channel. Groups subscribe from inside the group.")
    return chat, await _refusal(context, chat.id, user_id, t)


async def _refusal(context: Context, channel_id: int, user_id: int, t: Translator) -> str | None:
    bot = context.bot
    try:
        member = await bot.get_chat_member(channel_id, user_id)
        me = await bot.get_chat_member(channel_id, bot.id)
    except TelegramError as exc:
        log.warning("channel %s: cannot check its admins: %s", channel_id, exc)
        return t.gettext("I cannot see that channel's admins. Add me as an admin first.")
    if member.status not in _ADMINS:
        return t.gettext("Only the channel's admins can send its alerts here.")
    may_post = me.status == ChatMemberStatus.OWNER or (
        me.status == ChatMemberStatus.ADMINISTRATOR
        and bool(getattr(me, "can_post_messages", False))
    )
    if not may_post:
        return t.gettext("Add me to the channel as an admin who may post messages, then try again.")
    return None


async def channel_command(update: Update, context: Context) -> None:
    """/channel @name links it; /channel @name off unlinks; /channel lists the user's channels."""
    svc, t = services(context), chat_locale(update, context).t
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        await reply(update, t.gettext("Link a channel from your private chat with me."))
        return
    text = argument_text(update)
    parts = split_channel(text) if text else None
    if not text:
        links = svc.store.linked_channels(user.id)
        lines = [f"@{escape(c.username)}" for c in links] or [t.gettext("No channel linked yet.")]
        await reply(update, "\n".join([*lines, "", escape(usage("channel", t))]))
        return
    if parts is None or parts[1] not in ("", "off"):
        await reply(update, escape(usage("channel", t)))
        return
    name, action = parts
    if action == "off":
        link = svc.store.linked_channel(user.id, name)
        if link is None:
            await reply(update, t.gettext("@{name} is not linked.").format(name=escape(name)))
            return
        svc.store.unlink_channel(link.channel_id, user.id)
        await reply(update, t.gettext("@{name} unlinked.").format(name=escape(link.username)))
        return
    channel, refusal = await _check(context, f"@{name}", user.id, t)
    if channel is None or refusal is not None:
        await reply(update, "⛔ " + (refusal or ""))
        return
    svc.store.link_channel(channel.id, user.id, channel.username or name, channel.title or "")
    if svc.store.chat_preferences(channel.id).seen_language is None:
        # Nobody writes in a channel: its alerts speak the language of whoever linked it.
        svc.store.set_seen_language(channel.id, t.language)
    await reply(
        update,
        t.gettext(
            "📢 @{name} is linked. Follow topics for it here:\n"
            "/subscribe @{name} Nagorno-Karabakh\n/topics @{name}"
        ).format(name=escape(channel.username or name)),
    )


async def channel_target(update: Update, context: Context, text: str) -> tuple[int, str] | None:
    """For "@name rest" typed by a user who manages @name: (channel id, rest).

    Otherwise None, after replying why (not in a private chat, not linked, no longer an
    admin, or the bot may no longer post there: then the link is dropped too). Callers ask
    only for text that `split_channel` reads as naming a channel.
    """
    svc, t = services(context), chat_locale(update, context).t
    chat, user = update.effective_chat, update.effective_user
    parts = split_channel(text)
    if parts is None or user is None:
        return None
    if chat is None or chat.type != ChatType.PRIVATE:
        await reply(update, t.gettext("Manage a channel from your private chat with me."))
        return None
    name, rest = parts
    link: ChannelLink | None = svc.store.linked_channel(user.id, name)
    if link is None:
        await reply(
            update,
            t.gettext("@{name} is not linked to you. Link it first: /channel @{name}").format(
                name=escape(name)
            ),
        )
        return None
    refusal = await _refusal(context, link.channel_id, user.id, t)
    if refusal is not None:
        svc.store.unlink_channel(link.channel_id, user.id)
        await reply(update, "⛔ " + refusal)
        return None
    return link.channel_id, rest


async def managed_channel(update: Update, context: Context, channel_id: int) -> str | None:
    """Why the presser may not manage `channel_id` from here (None: they may). A lost right
    drops the link, as for typed commands."""
    svc, t = services(context), chat_locale(update, context).t
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return t.gettext("Manage a channel from your private chat with me.")
    if all(link.channel_id != channel_id for link in svc.store.linked_channels(user.id)):
        return t.gettext("That channel is not linked to you.")
    refusal = await _refusal(context, channel_id, user.id, t)
    if refusal is not None:
        svc.store.unlink_channel(channel_id, user.id)
    return refusal


def linked_channels(update: Update, context: Context) -> list[ChannelLink]:
    """The channels the user of a private chat manages here (none elsewhere)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return []
    return services(context).store.linked_channels(user.id)


HANDLERS = {"channel": channel_command}
