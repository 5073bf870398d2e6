"""Admin commands: /addfeed, /stats, /reloadaliases (the feed list: feed_admin.py)."""

from __future__ import annotations

from html import escape

from telegram import Update

from ..matching import AliasError, Aliases
from ..refresh.pipeline import AddFeedError, add_feed
from .commands import usage
from .permissions import admin_only
from .replies import argument_text, reply
from .services import Context, services

__all__ = ["HANDLERS"]


@admin_only
async def addfeed(update: Update, context: Context) -> None:
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
            parse=svc.poller.parse,  # the parse workers: a huge feed never stalls the loop
            limits=svc.poller.limits,
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
async def stats(update: Update, context: Context) -> None:
    """Counts: feeds, stories, chats, subscriptions, alerts sent, pending, failed, expired."""
    s = services(context).store.stats()
    await reply(
        update,
        "<b>AlertBot stats</b>\n"
        f"feeds: {s['feeds']}\nstories: {s['stories']}\n"
        f"chats: {s['chats']} ({s['active_chats']} active)\n"
        f"subscriptions: {s['subscriptions']}\n"
        f"alerts sent: {s['alerts_sent']}\nalerts pending: {s['alerts_pending']}\n"
        f"alerts failed: {s['alerts_failed']}\n"
        f"alerts expired (no longer news): {s['alerts_expired']}",
    )


@admin_only
async def reloadaliases(update: Update, context: Context) -> None:
    """Re-read the alias groups and re-index every subscription with them."""
    svc = services(context)
    try:
        aliases = Aliases.load(svc.settings.aliases_path)
    except (AliasError, OSError) as exc:
        await reply(update, f"❌ Aliases not reloaded, the old ones stay: {escape(str(exc))}")
        return
    svc.subscriptions.set_aliases(aliases)
    await reply(update, f"✅ Aliases reloaded from {escape(svc.settings.aliases_path.name)}.")


HANDLERS = {
    "addfeed": addfeed,
    "stats": stats,
    "reloadaliases": reloadaliases,
}
