"""Commands anyone can use: /help, /subscribe, /unsubscribe, /topics, /latest, /search."""

from __future__ import annotations

from html import escape

from telegram import Update

from ..delivery.format import format_headlines, shorten
from ..matching import TopicError, normalise, parse_query
from .chat_locale import chat_locale
from .commands import COMMANDS, usage
from .i18n import translator
from .permissions import chat_admins_only
from .replies import argument_text, reply
from .services import Context, services

__all__ = ["HANDLERS"]

MAX_TOPICS_PER_CHAT = 50
LATEST_SCAN = 3000  # stored stories examined for /latest <topic>


def help_text(is_admin: bool, language: str = "en") -> str:
    t = translator(language)
    lines = [t.gettext("<b>AlertBot</b> sends you the news on the topics you follow."), ""]
    for command in COMMANDS:
        if command.admin and not is_admin:
            continue
        lines.append(f"{escape(command.usage_in(t))} — {escape(t.gettext(command.summary))}")
    if not is_admin:
        admin_commands = ", ".join(f"/{c.name}" for c in COMMANDS if c.admin)
        lines += ["", t.gettext("Admins also have: {commands}").format(commands=admin_commands)]
    lines += [
        "",
        t.gettext(
            "Topics: words (all required), &quot;exact phrases&quot;, OR, -exclusions, prefix*."
        ),
        t.gettext("Example: /subscribe (ceasefire OR truce) Karabakh -football"),
    ]
    return "\n".join(lines)


async def help_command(update: Update, context: Context) -> None:
    """Every command with its usage, in the chat's language."""
    svc = services(context)
    user = update.effective_user
    language = chat_locale(update, context).language
    await reply(update, help_text(svc.is_admin(user.id if user else None), language))


@chat_admins_only
async def subscribe(update: Update, context: Context) -> None:
    """Follow a topic; the reply shows the topic as understood."""
    await follow(update, context, argument_text(update))


async def follow(update: Update, context: Context, topic: str) -> None:
    """Subscribe the chat to `topic` and reply (/subscribe and the suggested-topic buttons)."""
    svc = services(context)
    chat = update.effective_chat
    if not topic or chat is None:
        await reply(update, escape(usage("subscribe")))
        return
    try:
        query = parse_query(topic, svc.aliases)
    except TopicError as exc:
        await reply(
            update, f"Cannot follow that topic: {escape(str(exc))}\n{escape(usage('subscribe'))}"
        )
        return
    if len(svc.store.chat_subscriptions(chat.id)) >= MAX_TOPICS_PER_CHAT:
        await reply(
            update,
            f"This chat already follows {MAX_TOPICS_PER_CHAT} topics, the most allowed. Use /unsubscribe first.",
        )
        return
    sub, created = svc.subscriptions.subscribe(chat.id, topic)
    if not created:
        await reply(update, f"You already follow <b>{escape(sub.topic)}</b>.")
        return
    await reply(
        update,
        f"✅ Following <b>{escape(topic)}</b>\nUnderstood as: {escape(query.understood)}\n"
        "You will get an alert when a new story matches.",
    )


@chat_admins_only
async def unsubscribe(update: Update, context: Context) -> None:
    """Stop following a topic, named as typed or by its number in /topics."""
    svc = services(context)
    chat = update.effective_chat
    topic = argument_text(update)
    if not topic or chat is None:
        await reply(update, escape(usage("unsubscribe")))
        return
    subs = svc.store.chat_subscriptions(chat.id)
    target = None
    if topic.isdigit() and 1 <= int(topic) <= len(subs):
        target = subs[int(topic) - 1]
    else:
        key = normalise(topic)
        target = next((s for s in subs if s.normalised == key), None)
    if target is None:
        await reply(
            update, f"This chat does not follow <b>{escape(shorten(topic, 200))}</b>. See /topics."
        )
        return
    svc.subscriptions.unsubscribe(target)
    await reply(update, f"Stopped following <b>{escape(target.topic)}</b>.")


async def topics(update: Update, context: Context) -> None:
    """The chat's topics."""
    svc = services(context)
    chat = update.effective_chat
    subs = svc.store.chat_subscriptions(chat.id) if chat else []
    if not subs:
        await reply(update, "This chat follows no topics yet. Try /subscribe Nagorno-Karabakh")
        return
    lines = [f"<b>This chat follows {len(subs)} topic{'s' if len(subs) != 1 else ''}:</b>"]
    lines += [f"{i}. {escape(s.topic)}" for i, s in enumerate(subs, 1)]
    lines.append("\nStop one with /unsubscribe &lt;topic or number&gt;")
    await reply(update, "\n".join(lines))


async def latest(update: Update, context: Context) -> None:
    """The most recent stored headlines, all or matching a topic."""
    svc = services(context)
    topic = argument_text(update)
    if not topic:
        stories = svc.store.latest_stories(10)
        title = "Latest headlines"
    else:
        try:
            query = parse_query(topic, svc.aliases)
        except TopicError as exc:
            await reply(
                update, f"Cannot read that topic: {escape(str(exc))}\n{escape(usage('latest'))}"
            )
            return
        candidates = svc.store.latest_stories(scan=LATEST_SCAN)
        stories = [s for s in candidates if query.matches(s.title, f"{s.summary}\n{s.text}")][:10]
        title = f"Latest on {shorten(topic, 100)}"
    if not stories:
        what = f" on <b>{escape(shorten(topic, 100))}</b>" if topic else ""
        await reply(update, f"No stored stories{what} yet.")
        return
    await reply(update, format_headlines(title, stories))


async def search(update: Update, context: Context) -> None:
    """Full-text search over stored stories."""
    svc = services(context)
    words = argument_text(update)
    if not words:
        await reply(update, escape(usage("search")))
        return
    if len(words) > 200:
        await reply(update, "That search is too long: use at most 200 characters.")
        return
    stories = svc.store.search_stories(words, limit=10)
    if not stories:
        await reply(update, f"No stored story matches <b>{escape(words)}</b>.")
        return
    await reply(update, format_headlines(f"Stories matching {shorten(words, 100)}", stories))


HANDLERS = {  # /start is in welcome.py
    "help": help_command,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "topics": topics,
    "latest": latest,
    "search": search,
}
