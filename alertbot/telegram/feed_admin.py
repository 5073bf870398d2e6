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

from ..delivery.format import shorten
from ..feeds.opml import to_opml
from ..models import Feed, FeedState
from ..store import Store
from .commands import usage
from .opml_import import ImportReport, document_handler, import_feeds
from .permissions import admin_only
from .replies import argument_text, reply
from .services import Context, services

__all__ = [
    "HANDLERS",
    "ImportReport",
    "ago",
    "describe_feed",
    "document_handler",
    "import_feeds",
    "pack_messages",
]

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4000  # Telegram allows 4,096 characters; the rest is room for the markup
_ICONS = {"ok": "🟢", "new": "🆕", "failing": "🔴", "disabled": "⚫", "paused": "⏸"}


# ---- pure: what /feeds shows ---------------------------------------------------------------


def ago(when: datetime | None, now: float | None = None) -> str:
    """'3 min ago' / 'in 4 min' / 'never': readable at a glance in /feeds."""
    if when is None:
        return "never"
    delta = (time.time() if now is None else now) - when.timestamp()
    seconds = abs(delta)
    if seconds < 60:
        text = f"{seconds:.0f} s"
    elif seconds < 3600:
        text = f"{seconds / 60:.0f} min"
    elif seconds < 86400 * 2:
        text = f"{seconds / 3600:.1f} h"
    else:
        text = f"{seconds / 86400:.0f} days"
    return f"in {text}" if delta < 0 else f"{text} ago"


def _every(seconds: int) -> str:
    return f"every {seconds // 60} min" if seconds >= 60 else f"every {seconds} s"


def describe_feed(feed: Feed, now: float | None = None) -> str:
    """One feed's health: state, last success, last error, errors in a row, next poll, count."""
    lines = [
        f"{_ICONS.get(feed.state.value, '')} <b>#{feed.id} "
        f"{escape(shorten(feed.title or feed.url, 100))}</b> — {feed.state.value}",
        escape(shorten(feed.url, 300)),
        f"stories: {feed.story_count} · {_every(feed.interval)} · "
        f"last success: {ago(feed.last_success, now)}",
    ]
    if feed.last_error:
        error = (
            f"last error: {escape(shorten(feed.last_error, 200))} ({ago(feed.last_error_at, now)})"
        )
        if feed.errors_in_row:
            error += f" · errors in a row: {feed.errors_in_row}"
        lines.append(error)
    if feed.state not in (FeedState.DISABLED, FeedState.PAUSED):
        due = feed.next_poll.timestamp() <= (time.time() if now is None else now)
        lines.append(f"next poll: {'now' if due else ago(feed.next_poll, now)}")
    return "\n".join(lines)


def feeds_summary(feeds: Sequence[Feed]) -> str:
    counts = Counter(f.state.value for f in feeds)
    parts = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    return f"<b>{len(feeds)} feed{'s' if len(feeds) != 1 else ''}</b>: {parts}"


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


async def _named_feed(update: Update, store: Store, command: str) -> Feed | None:
    """The feed the command names; replies with the usage or "no such feed" when there is none."""
    arg = argument_text(update)
    if not arg:
        await reply(update, escape(usage(command)))
        return None
    feed = _find(store, arg)
    if feed is None:
        await reply(update, f"No feed is {escape(shorten(arg, 300))}. See /feeds.")
    return feed


# ---- the feed list -------------------------------------------------------------------------


@admin_only
async def feeds(update: Update, context: Context) -> None:
    """Every feed with its health."""
    all_feeds = services(context).store.list_feeds()
    if not all_feeds:
        await reply(update, "No feeds yet. Add one with /addfeed &lt;url&gt;")
        return
    now = time.time()
    blocks = [feeds_summary(all_feeds), *(describe_feed(f, now) for f in all_feeds)]
    for message in pack_messages(blocks):
        await reply(update, message)


@admin_only
async def removefeed(update: Update, context: Context) -> None:
    """Stop polling a feed, named by its URL or its #id from /feeds."""
    svc = services(context)
    feed = await _named_feed(update, svc.store, "removefeed")
    if feed is None:
        return
    svc.store.remove_feed(feed.id)
    await reply(
        update,
        f"🗑 Removed {_name(feed)}: no longer polled or listed. Its stories stay searchable; "
        f"/addfeed {escape(feed.url)} brings it back.",
    )


@admin_only
async def setinterval(update: Update, context: Context) -> None:
    """Poll a feed every N minutes: /setinterval <url or id> <minutes>."""
    svc = services(context)
    args = argument_text(update).split()
    if len(args) != 2:
        await reply(update, escape(usage("setinterval")))
        return
    feed = _find(svc.store, args[0])
    if feed is None:
        await reply(update, f"No feed is {escape(shorten(args[0], 300))}. See /feeds.")
        return
    if not args[1].isdigit() or not 1 <= int(args[1]) <= 1440:
        await reply(update, "The interval must be a number of minutes from 1 to 1440.")
        return
    feed = svc.store.set_feed_interval(feed.id, int(args[1]) * 60)
    now = time.time()
    when = "now" if feed.next_poll.timestamp() <= now else ago(feed.next_poll, now)
    await reply(update, f"⏱ {_name(feed)} is polled {_every(feed.interval)}; next poll: {when}.")


@admin_only
async def pausefeed(update: Update, context: Context) -> None:
    """Stop polling a feed for now, keeping its health record."""
    svc = services(context)
    feed = await _named_feed(update, svc.store, "pausefeed")
    if feed is None:
        return
    if feed.state is FeedState.PAUSED:
        await reply(update, f"{_name(feed)} is already paused. /resumefeed {feed.id} resumes it.")
    elif feed.state is FeedState.DISABLED:
        await reply(update, f"{_name(feed)} is disabled, not polled anyway.")
    else:
        svc.store.pause_feed(feed.id)
        await reply(update, f"⏸ Paused {_name(feed)}. /resumefeed {feed.id} polls it again.")


@admin_only
async def resumefeed(update: Update, context: Context) -> None:
    """Poll a paused or disabled feed again, starting now."""
    svc = services(context)
    feed = await _named_feed(update, svc.store, "resumefeed")
    if feed is None:
        return
    if feed.state not in (FeedState.PAUSED, FeedState.DISABLED):
        await reply(update, f"{_name(feed)} is not paused (it is {feed.state.value}).")
    else:
        svc.store.resume_feed(feed.id)
        await reply(update, f"▶️ Resumed {_name(feed)}: polling it now.")


@admin_only
async def exportopml(update: Update, context: Context) -> None:
    """Send the feed list as an OPML file, for another feed reader or a backup."""
    listed = [f for f in services(context).store.list_feeds() if not f.state.retired]
    message = update.effective_message
    if not listed or message is None:
        await reply(update, "No feeds to export yet. Add one with /addfeed &lt;url&gt;")
        return
    await message.reply_document(
        document=to_opml((f.url, f.title) for f in listed),
        filename="alertbot-feeds.opml",
        caption=f"{len(listed)} feed{'s' if len(listed) != 1 else ''} as OPML. "
        "Send this file back to the bot to import them.",
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
