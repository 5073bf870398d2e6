"""The buttons on an alert and in /topics: mute a topic for a day, unmute, unsubscribe.

Each button names a subscription id; a press is checked against the chat it came from
(another chat's id, or a topic already dropped, is a stale button and changes nothing).
Pressed under an alert, the alert's keyboard changes to say what now holds; pressed under
/topics, the list is drawn again.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from ..delivery.format import format_time, shorten
from ..i18n import ChatLocale, Translator
from ..models import Alert, Subscription
from .buttons import StaleButton, callback_data, edit_pressed, redraw, route, screen, target
from .channels import linked_channels
from .chat_locale import chat_locale
from .services import Context, services

__all__ = ["MUTE_FOR", "alert_keyboard", "chat_name", "switch_row", "topics_screen"]

MUTE_FOR = 24 * 3600.0  # "Mute this topic for a day"
_LABEL = 24  # characters of the topic on a button


def _mute_button(t: Translator, sub_id: int, origin: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t.gettext("🔕 Mute for a day"), callback_data=callback_data("tm", sub_id, origin)
    )


def _unmute_button(t: Translator, sub_id: int, origin: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t.gettext("🔔 Unmute"), callback_data=callback_data("tn", sub_id, origin)
    )


def _unsubscribe_button(
    t: Translator, sub_id: int, topic: str, origin: str
) -> InlineKeyboardButton:
    label = t.gettext("❌ Unsubscribe from {topic}").format(topic=shorten(topic, _LABEL))
    return InlineKeyboardButton(label, callback_data=callback_data("tu", sub_id, origin))


def _alert_rows(
    t: Translator, sub_id: int, topic: str, *, muted: bool
) -> list[list[InlineKeyboardButton]]:
    first = _unmute_button(t, sub_id, "a") if muted else _mute_button(t, sub_id, "a")
    return [[first], [_unsubscribe_button(t, sub_id, topic, "a")]]


def alert_keyboard(alert: Alert, reader: ChatLocale) -> InlineKeyboardMarkup | None:
    """The keyboard under one alert (none for alerts queued before alerts named their topic)."""
    if alert.subscription_id is None:
        return None
    return InlineKeyboardMarkup(
        _alert_rows(reader.t, alert.subscription_id, alert.topic, muted=False)
    )


def _muted(sub: Subscription, now: float) -> bool:
    return sub.muted_until is not None and sub.muted_until.timestamp() > now


def switch_row(
    update: Update, context: Context, loc: ChatLocale, screen_name: str, chat_id: int
) -> list[InlineKeyboardButton]:
    """In a private chat, buttons that show the same screen for each channel the user
    manages (or, on a channel's, for their own chat again)."""
    links = linked_channels(update, context)
    chat = update.effective_chat
    if not links or chat is None:
        return []
    if chat_id != chat.id:
        back = loc.t.gettext("⬅ This chat")
        return [InlineKeyboardButton(back, callback_data=callback_data("sw", screen_name))]
    return [
        InlineKeyboardButton(
            f"📢 @{link.username}",
            callback_data=callback_data("sw", f"{screen_name}{link.channel_id}"),
        )
        for link in links[:4]
    ]


def chat_name(update: Update, context: Context, chat_id: int) -> str | None:
    """ "@name" for a channel the user manages, None for their own chat."""
    links = {link.channel_id: link.username for link in linked_channels(update, context)}
    return f"@{links[chat_id]}" if chat_id in links else None


@screen("topics")
def topics_screen(
    update: Update, context: Context, loc: ChatLocale, chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The chat's (or a managed channel's) topics, each with its buttons; muted ones say
    until when; in a private chat, a switch to each channel the user manages."""
    subs = services(context).store.chat_subscriptions(chat_id)
    chat = update.effective_chat
    tag = "topics" if chat is not None and chat.id == chat_id else f"topics{chat_id}"
    text, keyboard = topics_list(subs, loc, tag=tag, name=chat_name(update, context, chat_id))
    rows = [list(row) for row in keyboard.inline_keyboard]
    switch = switch_row(update, context, loc, "topics", chat_id)
    return text, InlineKeyboardMarkup([*rows, switch] if switch else rows)


def topics_list(
    subs: list[Subscription], loc: ChatLocale, *, tag: str = "topics", name: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = loc.t
    now = time.time()
    if not subs:
        empty = (
            t.gettext("{name} follows no topics yet. Try /subscribe {name} Nagorno-Karabakh")
            if name
            else t.gettext("This chat follows no topics yet. Try /subscribe Nagorno-Karabakh")
        )
        return escape(empty.format(name=name)), InlineKeyboardMarkup([])
    heading = (
        t.ngettext("{name} follows {n} topic:", "{name} follows {n} topics:", len(subs))
        if name
        else t.ngettext("This chat follows {n} topic:", "This chat follows {n} topics:", len(subs))
    ).format(n=len(subs), name=name)
    lines = [f"<b>{escape(heading)}</b>"]
    rows: list[list[InlineKeyboardButton]] = []
    for number, sub in enumerate(subs, 1):
        line = f"{number}. {escape(sub.topic)}"
        if _muted(sub, now):
            assert sub.muted_until is not None
            until = format_time(sub.muted_until, loc)
            line += " " + escape(t.gettext("(muted until {time})").format(time=until))
            first = _unmute_button(t, sub.id, tag)
        else:
            first = _mute_button(t, sub.id, tag)
        lines.append(line)
        rows.append([first, _unsubscribe_button(t, sub.id, sub.topic, tag)])
    lines.append("")
    lines.append(escape(t.gettext("Or type /unsubscribe <topic or number>")))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _pressed(update: Update, context: Context, parts: list[str]) -> tuple[Subscription, str]:
    """The subscription the button names — checked to be the chat's (or the managed
    channel's the tag names) — and where it was pressed ("a": an alert, or a screen tag)."""
    if len(parts) != 2 or not parts[0].isdigit():
        raise StaleButton(f"topic button {parts!r}")
    origin = parts[1]
    chat = update.effective_chat
    if origin == "a" and chat is not None:
        chat_id = chat.id
    elif origin.startswith("topics"):
        chat_id = await target(update, context, origin)
    else:
        raise StaleButton(f"topic button {parts!r}")
    sub = services(context).store.chat_subscription(chat_id, int(parts[0]))
    if sub is None:
        raise StaleButton(f"chat {chat_id} has no subscription {parts[0]}")
    return sub, origin


async def _after(
    update: Update, context: Context, origin: str, rows: list[list[InlineKeyboardButton]]
) -> None:
    """Show what now holds: /topics drawn again, or the alert's new keyboard."""
    if origin != "a":
        await redraw(update, context, origin)
        return
    await edit_pressed(update, context, None, InlineKeyboardMarkup(rows))


@route("sw", changes_chat=False)
async def _switch_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    """Show a screen for another chat the user manages (checked), or their own again."""
    if len(parts) != 1:
        raise StaleButton(f"switch {parts!r}")
    await redraw(update, context, parts[0])
    return None


@route("tm")
async def _mute_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    sub, origin = await _pressed(update, context, parts)
    loc = chat_locale(update, context)
    until = time.time() + MUTE_FOR
    services(context).subscriptions.mute(sub, until)
    await _after(update, context, origin, _alert_rows(loc.t, sub.id, sub.topic, muted=True))
    when = format_time(datetime.fromtimestamp(until, UTC), loc)
    return loc.t.gettext("🔕 {topic} muted until {time}.").format(
        topic=shorten(sub.topic, 60), time=when
    )


@route("tn")
async def _unmute_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    sub, origin = await _pressed(update, context, parts)
    loc = chat_locale(update, context)
    services(context).subscriptions.mute(sub, None)
    await _after(update, context, origin, _alert_rows(loc.t, sub.id, sub.topic, muted=False))
    return loc.t.gettext("🔔 Alerts for {topic} again.").format(topic=shorten(sub.topic, 60))


@route("tu")
async def _unsubscribe_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    sub, origin = await _pressed(update, context, parts)
    loc = chat_locale(update, context)
    services(context).subscriptions.unsubscribe(sub)
    await _after(update, context, origin, [])
    return loc.t.gettext("Stopped following {topic}.").format(topic=shorten(sub.topic, 60))
