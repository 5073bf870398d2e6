"""Inline buttons: one router for every callback query; each is answered, each is checked.

Callback data is "<route>:<part>:<part>…" (Telegram allows 64 bytes). A route's handler
checks its parts against the chat that pressed the button — an id it names must belong to
that chat — and raises `StaleButton` for anything it does not recognise: a forged or stale
button is answered with a short note and changes nothing. Routes that change what the chat
receives are, in groups, for the group's admins only.

Screens (the message a button sits under) are registered by tag, so a press can redraw
the message it came from in the chat's new language or zone. A tag may name a channel the
presser manages from their private chat ("s-100123…": that channel's settings); `target`
checks that with the Bot API before anything changes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from ..i18n import ChatLocale, resolve_locale
from .channels import managed_channel
from .chat_locale import chat_locale
from .permissions import may_manage
from .services import Context, services

__all__ = [
    "Screen",
    "StaleButton",
    "callback_data",
    "edit_pressed",
    "on_callback",
    "redraw",
    "route",
    "screen",
    "screen_of",
    "target",
]

log = logging.getLogger(__name__)

MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
Route = Callable[[Update, Context, list[str]], Awaitable[str | None]]
# A screen draws the message about chat `chat_id` (the presser's, or a channel they manage).
Screen = Callable[[Update, Context, ChatLocale, int], tuple[str, InlineKeyboardMarkup]]
_TAG = re.compile(r"([a-z]+)(-\d{1,20})?")
_ROUTES: dict[str, Route] = {}
_CHANGES_CHAT: set[str] = set()
_SCREENS: dict[str, Screen] = {}


class StaleButton(Exception):
    """The button's data names nothing this chat has (forged, or from an old message)."""


def callback_data(name: str, *parts: str | int) -> str:
    """The data of a button for route `name`; parts may not contain ':'."""
    text = ":".join([name, *(str(p) for p in parts)])
    assert all(":" not in str(p) for p in parts), text
    assert len(text.encode("utf-8")) <= MAX_CALLBACK_DATA, text
    return text


def route(name: str, *, changes_chat: bool = True) -> Callable[[Route], Route]:
    """Register the handler of buttons whose data starts with `name:`; it returns the note
    shown to the presser (or None), or raises StaleButton."""

    def register(handler: Route) -> Route:
        _ROUTES[name] = handler
        if changes_chat:
            _CHANGES_CHAT.add(name)
        return handler

    return register


def screen(tag: str) -> Callable[[Screen], Screen]:
    """Register a screen: (text, keyboard) for a chat, redrawn after a press under it."""

    def register(draw: Screen) -> Screen:
        _SCREENS[tag] = draw
        return draw

    return register


def screen_of(tag: str) -> Screen:
    """The screen registered as `tag` (a channel's id after it is ignored); StaleButton for
    a tag this bot never drew."""
    parsed = _TAG.fullmatch(tag)
    found = _SCREENS.get(parsed.group(1)) if parsed else None
    if found is None:
        raise StaleButton(f"no screen {tag!r}")
    return found


async def target(update: Update, context: Context, tag: str) -> int:
    """The chat a screen's buttons change: the presser's own, or the channel the tag names
    if the presser still manages it (checked with the Bot API; StaleButton otherwise)."""
    screen_of(tag)
    chat = update.effective_chat
    assert chat is not None
    parsed = _TAG.fullmatch(tag)
    assert parsed is not None
    if parsed.group(2) is None:
        return chat.id
    channel_id = int(parsed.group(2))
    refusal = await managed_channel(update, context, channel_id)
    if refusal is not None:
        raise StaleButton(f"chat {chat.id} does not manage {channel_id}: {refusal}")
    return channel_id


def locale_of(update: Update, context: Context, chat_id: int) -> ChatLocale:
    """The presser's chat's locale, or a channel's own (the language its alerts speak)."""
    chat = update.effective_chat
    if chat is not None and chat.id == chat_id:
        return chat_locale(update, context)
    svc = services(context)
    return resolve_locale(svc.store.chat_preferences(chat_id), None, svc.settings.timezone)


async def redraw(update: Update, context: Context, tag: str) -> None:
    """Draw screen `tag` again in the message the button was pressed under."""
    chat_id = await target(update, context, tag)
    draw = screen_of(tag)
    text, keyboard = draw(update, context, locale_of(update, context, chat_id), chat_id)
    await edit_pressed(update, context, text, keyboard)


async def edit_pressed(
    update: Update, context: Context, text: str | None, keyboard: InlineKeyboardMarkup | None
) -> None:
    """Change the message the button was pressed under: its text and keyboard, or only its
    keyboard (`text` None). The same choice pressed twice changes nothing: not an error."""
    query = update.callback_query
    assert query is not None and query.message is not None
    # By chat and id: also for a message Telegram no longer shows the bot (over 48 h old).
    chat_id, message_id = query.message.chat.id, query.message.message_id
    try:
        if text is None:
            await context.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=keyboard
            )
        else:
            await context.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def on_callback(update: Update, context: Context) -> None:
    """Every button press: route it, and answer it whatever happens."""
    query = update.callback_query
    if query is None:
        return
    note: str | None = None
    try:
        t = chat_locale(update, context).t
        name, _, rest = (query.data or "").partition(":")
        handler = _ROUTES.get(name)
        if handler is None or query.message is None or update.effective_chat is None:
            raise StaleButton(f"no route {name!r}")
        if name in _CHANGES_CHAT and not await may_manage(update, context):
            note = t.gettext("⛔ Only this group's admins can change this.")
        else:
            note = await handler(update, context, rest.split(":") if rest else [])
    except StaleButton as exc:
        chat_id = update.effective_chat.id if update.effective_chat else None
        log.info("chat %s: refused button %r: %s", chat_id, query.data, exc)
        note = t.gettext("This button is no longer valid. Send /start for fresh ones.")
    finally:
        # Telegram shows a spinner on the button until it is answered, even on errors.
        await query.answer(note[:200] if note else None)
