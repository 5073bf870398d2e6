"""Commands anyone can use: /help, /subscribe, /unsubscribe, /topics, /latest, /search."""

from __future__ import annotations

import re
from html import escape

from telegram import Update

from ..delivery.format import format_headlines, shorten
from ..matching import Query, TopicError, normalise, parse_query
from ..models import Story
from ..store.search import StorySearch, index_new_stories, newest_matching, ordered
from .channels import channel_target, split_channel
from .chat_locale import chat_locale
from .commands import COMMANDS, usage
from .i18n import translator
from .permissions import chat_admins_only
from .replies import argument_text, reply
from .services import Context, bot_data, services

__all__ = ["HANDLERS"]

MAX_TOPICS_PER_CHAT = 50
SHOWN = 10  # headlines in a /latest or /search reply
_PAGE = re.compile(r"\s#(\d{1,4})\s*$")  # "/search banjir #2": the second page


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
    """Follow a topic; the reply shows the topic as understood. "@name topic": for a channel."""
    topic = argument_text(update)
    if split_channel(topic):
        if target := await channel_target(update, context, topic):
            await follow(update, context, target[1], chat_id=target[0])
        return
    await follow(update, context, topic)


async def follow(
    update: Update, context: Context, topic: str, *, chat_id: int | None = None
) -> None:
    """Subscribe the chat (or the channel `chat_id`) to `topic` and reply.

    /subscribe and the suggested-topic buttons come here. Asked inside a forum thread, the
    topic's alerts go to that thread.
    """
    svc = services(context)
    chat = update.effective_chat
    message = update.effective_message
    thread = (
        message.message_thread_id
        if chat_id is None and message is not None and message.is_topic_message
        else None
    )
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
    target = chat.id if chat_id is None else chat_id
    if len(svc.store.chat_subscriptions(target)) >= MAX_TOPICS_PER_CHAT:
        await reply(
            update,
            f"This chat already follows {MAX_TOPICS_PER_CHAT} topics, the most allowed. Use /unsubscribe first.",
        )
        return
    sub, created = svc.subscriptions.subscribe(target, topic, thread_id=thread)
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
    chat_id = chat.id if chat else None
    if split_channel(topic):
        if (channel := await channel_target(update, context, topic)) is None:
            return
        chat_id, topic = channel
    if not topic or chat_id is None:
        await reply(update, escape(usage("unsubscribe")))
        return
    subs = svc.store.chat_subscriptions(chat_id)
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
    target = chat.id if chat else None
    if split_channel(asked := argument_text(update)):
        if (channel := await channel_target(update, context, asked)) is None:
            return
        target = channel[0]
    subs = svc.store.chat_subscriptions(target) if target is not None else []
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
        stories = await _newest_matching(context, query)
        title = f"Latest on {shorten(topic, 100)}"
    if not stories:
        what = f" on <b>{escape(shorten(topic, 100))}</b>" if topic else ""
        await reply(update, f"No stored stories{what} yet.")
        return
    await reply(update, format_headlines(title, stories))


async def search(update: Update, context: Context) -> None:
    """Stored stories matching words in the topic language, newest first, 10 a page."""
    svc = services(context)
    words = argument_text(update)
    page = 1
    paged = _PAGE.search(words or "")
    if words and paged:
        page, words = int(paged.group(1)), words[: paged.start()].strip()
    if not words:
        await reply(update, escape(usage("search")))
        return
    try:
        query = parse_query(words, svc.aliases)
    except TopicError as exc:
        await reply(
            update, f"Cannot search for that: {escape(str(exc))}\n{escape(usage('search'))}"
        )
        return
    stories = await _newest_matching(context, query, offset=(page - 1) * SHOWN, limit=SHOWN + 1)
    if not stories:
        more = " on that page" if page > 1 else ""
        await reply(update, f"No stored story matches <b>{escape(shorten(words, 200))}</b>{more}.")
        return
    title = f"Stories matching {shorten(words, 100)}" + (f" (page {page})" if page > 1 else "")
    text = format_headlines(title, stories[:SHOWN])
    if len(stories) > SHOWN:
        text += f"\nOlder: /search {escape(shorten(words, 100))} #{page + 1}"
    await reply(update, text)


async def _newest_matching(
    context: Context, query: Query, *, offset: int = 0, limit: int = SHOWN
) -> list[Story]:
    """The newest stored stories the topic matches, searched off the event loop."""
    svc = services(context)
    path = str(svc.settings.db_path)
    if path == ":memory:":  # one connection only: search in place
        index_new_stories(svc.store.db.conn)
        ids = newest_matching(svc.store.db.conn, query, limit, offset=offset)
    else:
        data = bot_data(context.application)
        if data.story_search is None:
            data.story_search = StorySearch(path)
        ids = await data.story_search.newest_async(query, limit, offset=offset)

    return ordered(ids, svc.store.stories_by_ids(ids), lambda s: s.id)


HANDLERS = {  # /start is in welcome.py
    "help": help_command,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "topics": topics,
    "latest": latest,
    "search": search,
}
