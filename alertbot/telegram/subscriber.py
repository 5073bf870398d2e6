"""Commands anyone can use: /help, /subscribe, /unsubscribe, /topics (/latest and /search
are in headlines.py)."""

from __future__ import annotations

import re
from html import escape

from telegram import Update

from ..delivery.format import shorten
from ..i18n import translator
from ..matching import TopicError, normalise, parse_query
from .buttons import locale_of
from .channels import channel_target, split_channel
from .chat_locale import chat_locale
from .commands import COMMANDS, usage
from .permissions import chat_admins_only
from .replies import argument_text, reply
from .services import Context, services
from .topic_buttons import topics_screen

__all__ = ["HANDLERS"]

MAX_TOPICS_PER_CHAT = 50
_MARKUP = re.compile(r"</?[a-zA-Z][^<>]*>")  # "<b>x</b>": HTML pasted as a topic


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
    t = chat_locale(update, context).t
    chat = update.effective_chat
    message = update.effective_message
    thread = (
        message.message_thread_id
        if chat_id is None and message is not None and message.is_topic_message
        else None
    )
    if not topic or chat is None:
        await reply(update, escape(usage("subscribe", t)))
        return
    if markup := _MARKUP.search(topic):
        plain = " ".join(_MARKUP.sub(" ", topic).split())
        said = t.gettext(
            "That topic looks like HTML markup ({tag}): topics are plain words, so the tags "
            "would be read as words."
        ).format(tag=markup.group(0)[:40])
        hint = t.gettext("Did you mean: /subscribe {topic}").format(topic=plain) if plain else ""
        await reply(update, "\n".join(escape(line) for line in (said, hint) if line))
        return
    try:
        query = parse_query(topic, svc.aliases)
    except TopicError as exc:
        refusal = t.gettext("Cannot follow that topic: {reason}").format(reason=exc.said_in(t))
        await reply(update, f"{escape(refusal)}\n{escape(usage('subscribe', t))}")
        return
    target = chat.id if chat_id is None else chat_id
    if len(svc.store.chat_subscriptions(target)) >= MAX_TOPICS_PER_CHAT:
        full = t.gettext(
            "This chat already follows {n} topics, the most allowed. Use /unsubscribe first."
        )
        await reply(update, escape(full.format(n=MAX_TOPICS_PER_CHAT)))
        return
    sub, created = svc.subscriptions.subscribe(target, topic, thread_id=thread)
    if not created:
        known = t.gettext("You already follow {topic}.")
        await reply(update, known.format(topic=f"<b>{escape(sub.topic)}</b>"))
        return
    lines = [
        t.gettext("✅ Following {topic}").format(topic=f"<b>{escape(topic)}</b>"),
        escape(t.gettext("Understood as: {query}").format(query=query.understood_in(t))),
        escape(t.gettext("You will get an alert when a new story matches.")),
    ]
    await reply(update, "\n".join(lines))


@chat_admins_only
async def unsubscribe(update: Update, context: Context) -> None:
    """Stop following a topic, named as typed or by its number in /topics."""
    svc = services(context)
    t = chat_locale(update, context).t
    chat = update.effective_chat
    topic = argument_text(update)
    chat_id = chat.id if chat else None
    if split_channel(topic):
        if (channel := await channel_target(update, context, topic)) is None:
            return
        chat_id, topic = channel
    if not topic or chat_id is None:
        await reply(update, escape(usage("unsubscribe", t)))
        return
    subs = svc.store.chat_subscriptions(chat_id)
    target = None
    if topic.isdigit() and 1 <= int(topic) <= len(subs):
        target = subs[int(topic) - 1]
    else:
        key = normalise(topic)
        target = next((s for s in subs if s.normalised == key), None)
    if target is None and topic.isdigit():
        missing = t.ngettext(
            "There is no topic number {number}: this chat follows {n} topic. See /topics.",
            "There is no topic number {number}: this chat follows {n} topics. See /topics.",
            len(subs),
        )
        await reply(update, escape(missing.format(number=topic[:10], n=len(subs))))
        return
    if target is None:
        unknown = t.gettext("This chat does not follow {topic}. See /topics.")
        await reply(update, unknown.format(topic=f"<b>{escape(shorten(topic, 200))}</b>"))
        return
    svc.subscriptions.unsubscribe(target)
    stopped = t.gettext("Stopped following {topic}.")
    await reply(update, stopped.format(topic=f"<b>{escape(target.topic)}</b>"))


async def topics(update: Update, context: Context) -> None:
    """The chat's topics, each with Mute and Unsubscribe buttons (a channel's: the list)."""
    chat = update.effective_chat
    if chat is None:
        return
    target = chat.id
    if split_channel(asked := argument_text(update)):
        if (channel := await channel_target(update, context, asked)) is None:
            return
        target = channel[0]
    text, keyboard = topics_screen(update, context, locale_of(update, context, target), target)
    await reply(update, text, keyboard if keyboard.inline_keyboard else None)


HANDLERS = {  # /start is in welcome.py; /latest and /search in headlines.py
    "help": help_command,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "topics": topics,
}
