"""Admin commands on the feed list: /feeds, /removefeed, /setinterval, /pausefeed, /resumefeed,
/exportopml.

OPML import (an admin sends an .opml file) is in opml_import.py, re-exported here."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from telegram import Update
from telegram.constants import ParseMode

from ..delivery.format import ENGLISH_UTC, Texts, shorten
from ..feeds.opml import to_opml
from ..models import Feed, FeedState
from ..store import Store
from .chat_locale import chat_locale
from .commands import usage
from .opml_import import document_handler
from .permissions import admin_only
from .replies import argument_text, reply
from .services import Context, services

__all__ = [
    "HANDLERS",
    "ago",
    "describe_feed",
    "document_handler",
    "pack_messages",
]

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4000  # Telegram allows 4,096 characters; the rest is room for the markup
_ICONS = {"ok": "🟢", "new": "🆕", "failing": "🔴", "disabled": "⚫", "paused": "⏸", "removed": "🗑"}


# ---- pure: what /feeds shows ---------------------------------------------------------------


def _state_word(t: Texts, state: FeedState) -> str:
    return {
        FeedState.NEW: t.gettext("new"),
        FeedState.OK: t.gettext("ok"),
        FeedState.FAILING: t.gettext("failing"),
        FeedState.DISABLED: t.gettext("disabled"),
        FeedState.PAUSED: t.gettext("paused"),
        FeedState.REMOVED: t.gettext("removed"),
    }[state]


def ago(when: datetime | None, now: float | None = None, t: Texts = ENGLISH_UTC.t) -> str:
    """'3 min ago' / 'in 4 min' / 'never': readable at a glance in /feeds."""
    if when is None:
        return t.gettext("never")
    delta = (time.time() if now is None else now) - when.timestamp()
    seconds = abs(delta)
    if seconds < 60:
        text = t.gettext("{n} s").format(n=f"{seconds:.0f}")
    elif seconds < 3600:
        text = t.gettext("{n} min").format(n=f"{seconds / 60:.0f}")
    elif seconds < 86400 * 2:
        text = t.gettext("{n} h").format(n=f"{seconds / 3600:.1f}")
    else:
        days = round(seconds / 86400)
        text = t.ngettext("{n} day", "{n} days", days).format(n=days)
    return (t.gettext("in {time}") if delta < 0 else t.gettext("{time} ago")).format(time=text)


def _every(seconds: int, t: Texts) -> str:
    if seconds >= 60:
        return t.gettext("every {n} min").format(n=seconds // 60)
    return t.gettext("every {n} s").format(n=seconds)


def describe_feed(feed: Feed, now: float | None = None, t: Texts = ENGLISH_UTC.t) -> str:
    """One feed's health: state, last success, last error, errors in a row, next poll, count."""
    lines = [
        f"{_ICONS.get(feed.state.value, '')} <b>#{feed.id} "
        f"{escape(shorten(feed.title or feed.url, 100))}</b> — {_state_word(t, feed.state)}",
        escape(shorten(feed.url, 300)),
        escape(
            t.gettext("stories: {n} · {every} · last success: {when}").format(
                n=feed.story_count,
                every=_every(feed.interval, t),
                when=ago(feed.last_success, now, t),
            )
        ),
    ]
    if feed.last_error:
        error = t.gettext("last error: {error} ({when})").format(
            error=shorten(feed.last_error, 200), when=ago(feed.last_error_at, now, t)
        )
        if feed.errors_in_row:
            error += " · " + t.gettext("errors in a row: {n}").format(n=feed.errors_in_row)
        lines.append(escape(error))
    if feed.state not in (FeedState.DISABLED, FeedState.PAUSED):
        due = feed.next_poll.timestamp() <= (time.time() if now is None else now)
        when = t.gettext("now") if due else ago(feed.next_poll, now, t)
        lines.append(escape(t.gettext("next poll: {when}").format(when=when)))
    return "\n".join(lines)


def feeds_summary(feeds: Sequence[Feed], t: Texts = ENGLISH_UTC.t) -> str:
    counts = Counter(f.state for f in feeds)
    parts = ", ".join(
        f"{n} {_state_word(t, state)}" for state, n in sorted(counts.items(), key=lambda i: i[0])
    )
    heading = t.ngettext("{n} feed", "{n} feeds", len(feeds)).format(n=len(feeds))
    return f"<b>{escape(heading)}</b>: {escape(parts)}"


def pack_messages(
    blocks: Iterable[str], limit: int = MESSAGE_LIMIT, *, sep: str = "\n\n"
) -> list[str]:
    """Join blocks with `sep` into as few messages as fit within `limit` each.

    Blocks are kept whole; one longer than `limit` on its own (never made by this module)
    is cut at a line break.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        if len(block) > limit:
            block = block[:limit].rsplit("\n", 1)[0]
        if current and len(current) + len(sep) + len(block) > limit:
            messages.append(current)
            current = ""
        current = f"{current}{sep}{block}" if current else block
    if current:
        messages.append(current)
    return messages


def _find(store: Store, arg: str) -> Feed | None:
    """A feed named by its #id from /feeds or by its URL (a removed one is no more)."""
    arg = arg.strip().lstrip("#")
    feed = store.get_feed(int(arg)) if arg.isdigit() else store.find_feed(arg)
    return None if feed is None or feed.state is FeedState.REMOVED else feed


def _name(feed: Feed) -> str:
    return f"#{feed.id} <b>{escape(shorten(feed.title or feed.url, 100))}</b>"


async def _named_feed(update: Update, context: Context, command: str) -> Feed | None:
    """The feed the command names; replies with the usage or "no such feed" when there is none."""
    t = chat_locale(update, context).t
    arg = argument_text(update).split()[0] if argument_text(update) else ""
    if not arg:
        await reply(update, escape(usage(command, t)))
        return None
    feed = _find(services(context).store, arg)
    if feed is None:
        await _no_feed(update, t, arg)
    return feed


async def _no_feed(update: Update, t: Texts, arg: str) -> None:
    await reply(
        update, escape(t.gettext("No feed is {feed}. See /feeds.").format(feed=shorten(arg, 300)))
    )


# ---- the feed list -------------------------------------------------------------------------


@admin_only
async def feeds(update: Update, context: Context) -> None:
    """Every feed with its health."""
    t = chat_locale(update, context).t
    all_feeds = services(context).store.list_feeds()
    if not all_feeds:
        await reply(update, escape(t.gettext("No feeds yet. Add one with /addfeed <url>")))
        return
    now = time.time()
    blocks = [feeds_summary(all_feeds, t), *(describe_feed(f, now, t) for f in all_feeds)]
    for message in pack_messages(blocks):
        await reply(update, message)


@admin_only
async def removefeed(update: Update, context: Context) -> None:
    """Stop polling a feed, named by its URL or its #id from /feeds."""
    svc, t = services(context), chat_locale(update, context).t
    feed = await _named_feed(update, context, "removefeed")
    if feed is None:
        return
    svc.store.remove_feed(feed.id)
    said = t.gettext(
        "🗑 Removed {feed}: no longer polled or listed. Its stories stay searchable; "
        "/addfeed {url} brings it back."
    )
    await reply(update, said.format(feed=_name(feed), url=escape(feed.url)))


@admin_only
async def setinterval(update: Update, context: Context) -> None:
    """Poll a feed every N minutes: /setinterval <url or id> <minutes>."""
    svc, t = services(context), chat_locale(update, context).t
    args = argument_text(update).split()
    if len(args) != 2:
        await reply(update, escape(usage("setinterval", t)))
        return
    feed = _find(svc.store, args[0])
    if feed is None:
        await _no_feed(update, t, args[0])
        return
    if not args[1].isdigit() or not 1 <= int(args[1]) <= 1440:
        await reply(
            update, escape(t.gettext("The interval must be a number of minutes from 1 to 1440."))
        )
        return
    feed = svc.store.set_feed_interval(feed.id, int(args[1]) * 60)
    now = time.time()
    when = t.gettext("now") if feed.next_poll.timestamp() <= now else ago(feed.next_poll, now, t)
    said = t.gettext("⏱ {feed} is polled {every}; next poll: {when}.")
    await reply(update, said.format(feed=_name(feed), every=_every(feed.interval, t), when=when))


@admin_only
async def pausefeed(update: Update, context: Context) -> None:
    """Stop polling a feed for now, keeping its health record."""
    svc, t = services(context), chat_locale(update, context).t
    feed = await _named_feed(update, context, "pausefeed")
    if feed is None:
        return
    if feed.state is FeedState.PAUSED:
        said = t.gettext("{feed} is already paused. /resumefeed {id} resumes it.")
    elif feed.state is FeedState.DISABLED:
        said = t.gettext("{feed} is disabled, not polled anyway.")
    else:
        svc.store.pause_feed(feed.id)
        said = t.gettext("⏸ Paused {feed}. /resumefeed {id} polls it again.")
    await reply(update, said.format(feed=_name(feed), id=feed.id))


@admin_only
async def resumefeed(update: Update, context: Context) -> None:
    """Poll a paused or disabled feed again, starting now."""
    svc, t = services(context), chat_locale(update, context).t
    feed = await _named_feed(update, context, "resumefeed")
    if feed is None:
        return
    if feed.state not in (FeedState.PAUSED, FeedState.DISABLED):
        said = t.gettext("{feed} is not paused (it is {state}).")
    else:
        svc.store.resume_feed(feed.id)
        said = t.gettext("▶️ Resumed {feed}: polling it now.")
    await reply(update, said.format(feed=_name(feed), state=_state_word(t, feed.state)))


@admin_only
async def exportopml(update: Update, context: Context) -> None:
    """Send the feed list as an OPML file, for another feed reader or a backup."""
    t = chat_locale(update, context).t
    listed = [f for f in services(context).store.list_feeds() if not f.state.retired]
    message = update.effective_message
    if not listed or message is None:
        await reply(
            update, escape(t.gettext("No feeds to export yet. Add one with /addfeed <url>"))
        )
        return
    caption = t.ngettext(
        "{n} feed as OPML. Send this file back to the bot to import it.",
        "{n} feeds as OPML. Send this file back to the bot to import them.",
        len(listed),
    ).format(n=len(listed))
    await message.reply_document(
        document=to_opml((f.url, f.title) for f in listed),
        filename="alertbot-feeds.opml",
        caption=escape(caption),
        parse_mode=ParseMode.HTML,
        do_quote=False,
    )


# ---- OPML import: alertbot/telegram/opml_import.py (re-exported here) ---------------------


HANDLERS = {
    "feeds": feeds,
    "removefeed": removefeed,
    "setinterval": setinterval,
    "pausefeed": pausefeed,
    "resumefeed": resumefeed,
    "exportopml": exportopml,
}
