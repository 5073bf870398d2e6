"""Admin commands: /addfeed, /stats, /reloadaliases (the feed list: feed_admin.py)."""

from __future__ import annotations

from html import escape

from telegram import Update

from ..matching import AliasError, Aliases
from ..refresh.new_feed import AddFeedError, add_feed
from .chat_locale import chat_locale
from .commands import usage
from .permissions import admin_only
from .replies import argument_text, reply
from .services import Context, services

__all__ = ["HANDLERS"]


@admin_only
async def addfeed(update: Update, context: Context) -> None:
    """Validate a feed by fetching and parsing it once, then poll it."""
    svc, t = services(context), chat_locale(update, context).t
    args = argument_text(update).split()
    if not args or len(args) > 2:
        await reply(update, escape(usage("addfeed", t)))
        return
    interval = svc.settings.poll_interval
    if len(args) == 2:
        if not args[1].isdigit() or not 1 <= int(args[1]) <= 24 * 60:
            refusal = t.gettext("The interval must be a number of minutes from 1 to 1440.")
            await reply(update, escape(refusal))
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
        said = t.gettext("❌ Not added: {reason}").format(reason=exc.said_in(t))
        await reply(update, escape(said))
        return
    added = t.gettext("✅ Added feed #{id} {title}").format(
        id=feed.id, title=f"<b>{escape(feed.title or feed.url)}</b>"
    )
    stored = t.ngettext(
        "{n} current story stored (searchable, not alerted).",
        "{n} current stories stored (searchable, not alerted).",
        count,
    ).format(n=count)
    later = t.gettext("New stories will alert subscribers.")
    await reply(update, f"{added}\n{escape(feed.url)}\n{escape(stored)} {escape(later)}")


@admin_only
async def stats(update: Update, context: Context) -> None:
    """Counts: feeds, stories, chats, subscriptions, alerts sent, pending, failed, expired."""
    s, t = services(context).store.stats(), chat_locale(update, context).t
    lines = [
        t.gettext("feeds: {n}").format(n=s["feeds"]),
        t.gettext("stories: {n}").format(n=s["stories"]),
        t.gettext("chats: {n} ({active} active)").format(n=s["chats"], active=s["active_chats"]),
        t.gettext("subscriptions: {n}").format(n=s["subscriptions"]),
        t.gettext("alerts sent: {n}").format(n=s["alerts_sent"]),
        t.gettext("alerts pending: {n}").format(n=s["alerts_pending"]),
        t.gettext("alerts failed: {n}").format(n=s["alerts_failed"]),
        t.gettext("alerts expired (no longer news): {n}").format(n=s["alerts_expired"]),
    ]
    heading = escape(t.gettext("AlertBot stats"))
    await reply(update, "\n".join([f"<b>{heading}</b>", *map(escape, lines)]))


@admin_only
async def reloadaliases(update: Update, context: Context) -> None:
    """Re-read the alias groups and re-index every subscription with them."""
    svc, t = services(context), chat_locale(update, context).t
    try:
        aliases = Aliases.load(svc.settings.aliases_path)
    except (AliasError, OSError) as exc:
        said = t.gettext("❌ Aliases not reloaded, the old ones stay: {reason}")
        await reply(update, escape(said.format(reason=exc)))
        return
    svc.subscriptions.set_aliases(aliases)
    said = t.gettext("✅ Aliases reloaded from {file}.").format(file=svc.settings.aliases_path.name)
    await reply(update, escape(said))


HANDLERS = {
    "addfeed": addfeed,
    "stats": stats,
    "reloadaliases": reloadaliases,
}
