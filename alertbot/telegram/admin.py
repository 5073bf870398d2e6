"""Admin commands: /addfeed, /removefeed, /feeds, /stats, /reloadaliases."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import wraps
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from ..matching import AliasError, Aliases
from ..models import Feed
from ..pipeline import AddFeedError, add_feed
from .commands import usage
from .replies import argument_text, reply
from .services import services

__all__ = ["HANDLERS"]

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """Refuse, politely and visibly, anyone not in ALERTBOT_ADMIN_IDS."""

    @wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if not services(context).is_admin(user.id if user else None):
            await reply(update, "⛔ Sorry, only the bot's admins can use this command.")
            return
        await handler(update, context)

    return wrapper


def ago(when: datetime | None, now: float | None = None) -> str:
    """'3 min ago' / 'in 4 min' / 'never': readable at a glance in /feeds."""
    if when is None:
        return "never"
    delta = (now or time.time()) - when.timestamp()
    future = delta < 0
    seconds = abs(delta)
    if seconds < 60:
        text = f"{seconds:.0f} s"
    elif seconds < 3600:
        text = f"{seconds / 60:.0f} min"
    elif seconds < 86400 * 2:
        text = f"{seconds / 3600:.1f} h"
    else:
        text = f"{seconds / 86400:.0f} days"
    return f"in {text}" if future else f"{text} ago"


def describe_feed(feed: Feed) -> str:
    icon = {"ok": "🟢", "new": "🆕", "failing": "🔴", "disabled": "⚫", "paused": "⏸"}
    lines = [
        f"{icon.get(feed.state.value, '')} <b>#{feed.id} {escape(feed.title or feed.url)}</b> "
        f"— {feed.state.value}",
        escape(feed.url),
        f"last success: {ago(feed.last_success)} · stories: {feed.story_count} · "
        f"every {feed.interval // 60 if feed.interval >= 60 else feed.interval}"
        f"{' min' if feed.interval >= 60 else ' s'}",
    ]
    if feed.last_error:
        lines.append(
            f"last error: {escape(feed.last_error[:200])} ({ago(feed.last_error_at)}, "
            f"{feed.errors_in_row} in a row)"
        )
    if feed.state.value not in ("disabled", "paused"):
        lines.append(f"next poll: {ago(feed.next_poll)}")
    return "\n".join(lines)


@admin_only
async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Validate a feed by fetching and parsing it once, then poll it."""
    svc = services(context)
    args = argument_text(update).split()
    if not args or len(args) > 2:
        await reply(update, escape(usage("addfeed")))
        return
    interval = svc.settings.poll_interval
    if len(args) == 2:
        if not args[1].isdigit() or not 1 <= int(args[1]) <= 24 * 60:
            await reply(update, "The interval must be a number of minutes from 1 to 1440.")
            return
        interval = int(args[1]) * 60
    user = update.effective_user
    try:
        feed, count = await add_feed(
            args[0],
            client=svc.http,
            store=svc.store,
            options=svc.fetch_options,
            interval=interval,
            added_by=user.id if user else None,
        )
    except AddFeedError as exc:
        await reply(update, f"❌ Not added: {escape(str(exc))}")
        return
    await reply(
        update,
        f"✅ Added feed #{feed.id} <b>{escape(feed.title or feed.url)}</b>\n{escape(feed.url)}\n"
        f"{count} current stories stored (searchable, not alerted). New stories will alert "
        "subscribers.",
    )


@admin_only
async def removefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop polling a feed, named by its URL or its #id from /feeds."""
    svc = services(context)
    arg = argument_text(update).lstrip("#")
    if not arg:
        await reply(update, escape(usage("removefeed")))
        return
    feed = svc.store.get_feed(int(arg)) if arg.isdigit() else svc.store.find_feed(arg)
    if feed is None or feed.state.value == "disabled":
        await reply(update, f"No polled feed is {escape(arg)}. See /feeds.")
        return
    svc.store.remove_feed(feed.id)
    await reply(
        update,
        f"Stopped polling #{feed.id} {escape(feed.title or feed.url)}. Its stories stay searchable.",
    )


@admin_only
async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every feed with its health: last success, last error, next poll."""
    svc = services(context)
    all_feeds = svc.store.list_feeds()
    if not all_feeds:
        await reply(update, "No feeds yet. Add one with /addfeed &lt;url&gt;")
        return
    blocks = [describe_feed(f) for f in all_feeds]
    message = ""
    for block in blocks:
        if len(message) + len(block) + 2 > 4000:
            await reply(update, message)
            message = ""
        message = f"{message}\n\n{block}" if message else block
    await reply(update, message)


@admin_only
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Counts: feeds, stories, chats, subscriptions, alerts sent and pending."""
    s = services(context).store.stats()
    await reply(
        update,
        "<b>AlertBot stats</b>\n"
        f"feeds: {s['feeds']}\nstories: {s['stories']}\n"
        f"chats: {s['chats']} ({s['active_chats']} active)\n"
        f"subscriptions: {s['subscriptions']}\n"
        f"alerts sent: {s['alerts_sent']}\nalerts pending: {s['alerts_pending']}\n"
        f"alerts failed: {s['alerts_failed']}",
    )


@admin_only
async def reloadaliases(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read the alias groups and re-index every subscription with them."""
    svc = services(context)
    try:
        aliases = Aliases.load(svc.settings.aliases_path)
    except (AliasError, OSError) as exc:
        await reply(update, f"❌ Aliases not reloaded, the old ones stay: {escape(str(exc))}")
        return
    svc.aliases = aliases
    svc.subscriptions.set_aliases(aliases)
    await reply(update, f"✅ Aliases reloaded from {escape(svc.settings.aliases_path.name)}.")


HANDLERS = {
    "addfeed": addfeed,
    "removefeed": removefeed,
    "feeds": feeds,
    "stats": stats,
    "reloadaliases": reloadaliases,
}
