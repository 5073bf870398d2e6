"""/latest and /search: stored headlines, newest first, ten a page, "More" for older ones.

"More" edits the message in place. Its button names a search kept in memory for the chat
that asked (the words do not fit in Telegram's 64 bytes); after a restart, or once 1,000
newer searches have pushed it out, the button says so and /search starts afresh.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from ..delivery.format import format_headlines, shorten
from ..i18n import ChatLocale
from ..matching import Query, TopicError, parse_query
from ..models import Story
from ..store.search import StorySearch, index_new_stories, newest_matching, ordered
from .buttons import StaleButton, callback_data, edit_pressed, route
from .chat_locale import chat_locale
from .commands import usage
from .replies import argument_text, reply
from .services import Context, bot_data, services

__all__ = ["HANDLERS", "SHOWN"]

SHOWN = 10  # headlines on one page
KEPT = 1000  # searches remembered for their "More" buttons
_PAGE = re.compile(r"\s#(\d{1,4})\s*$")  # "/search banjir #2": the second page, typed


@dataclass(frozen=True)
class _Asked:
    chat_id: int
    kind: str  # "latest" or "search"
    words: str  # "" for /latest without a topic


_asked: OrderedDict[int, _Asked] = OrderedDict()
_numbers = itertools.count(1)


def _remember(asked: _Asked) -> int:
    number = next(_numbers)
    _asked[number] = asked
    while len(_asked) > KEPT:
        _asked.popitem(last=False)
    return number


def _title(asked: _Asked, loc: ChatLocale, page: int) -> str:
    t = loc.t
    words = shorten(asked.words, 100)
    if asked.kind == "search":
        title = t.gettext("Stories matching {words}").format(words=words)
    elif words:
        title = t.gettext("Latest on {topic}").format(topic=words)
    else:
        title = t.gettext("Latest headlines")
    return title + (" " + t.gettext("(page {page})").format(page=page) if page > 1 else "")


def _keyboard(number: int, page: int, more: bool, loc: ChatLocale) -> InlineKeyboardMarkup | None:
    row = []
    if page > 1:
        row.append(
            InlineKeyboardButton(
                loc.t.gettext("◀ Newer"), callback_data=callback_data("more", number, page - 1)
            )
        )
    if more:
        row.append(
            InlineKeyboardButton(
                loc.t.gettext("More ▶"), callback_data=callback_data("more", number, page + 1)
            )
        )
    return InlineKeyboardMarkup([row]) if row else None


async def _page(
    context: Context, asked: _Asked, query: Query | None, page: int
) -> tuple[list[Story], bool]:
    """The page's stories, and whether an older page exists."""
    offset = (page - 1) * SHOWN
    if query is None:
        stories = services(context).store.latest_stories(offset + SHOWN + 1)[offset:]
    else:
        stories = await _newest_matching(context, query, offset=offset, limit=SHOWN + 1)
    return stories[:SHOWN], len(stories) > SHOWN


def _query(asked: _Asked, context: Context) -> Query | None:
    return parse_query(asked.words, services(context).aliases) if asked.words else None


async def _answer(update: Update, context: Context, asked: _Asked, page: int) -> None:
    loc = chat_locale(update, context)
    t = loc.t
    try:
        query = _query(asked, context)
    except TopicError as exc:
        refusal = (
            t.gettext("Cannot search for that: {reason}")
            if asked.kind == "search"
            else t.gettext("Cannot read that topic: {reason}")
        )
        await reply(
            update,
            escape(refusal.format(reason=exc.said_in(t))) + "\n" + escape(usage(asked.kind, t)),
        )
        return
    stories, more = await _page(context, asked, query, page)
    if not stories:
        words = f"<b>{escape(shorten(asked.words, 200))}</b>"
        if page > 1:
            text = t.gettext("No stored story matches {words} on that page.")
        elif asked.kind == "search":
            text = t.gettext("No stored story matches {words}.")
        elif asked.words:
            text = t.gettext("No stored stories on {words} yet.")
        else:
            text = t.gettext("No stored stories yet.")
        await reply(update, text.format(words=words))
        return
    number = _remember(asked)
    text = format_headlines(_title(asked, loc, page), stories, loc, first=(page - 1) * SHOWN + 1)
    await reply(update, text, _keyboard(number, page, more, loc))


async def latest(update: Update, context: Context) -> None:
    """The most recent stored headlines, all or matching a topic."""
    chat = update.effective_chat
    if chat is not None:
        await _answer(update, context, _Asked(chat.id, "latest", argument_text(update)), 1)


async def search(update: Update, context: Context) -> None:
    """Stored stories matching words in the topic language, newest first, 10 a page."""
    chat = update.effective_chat
    words, page = argument_text(update), 1
    if words and (paged := _PAGE.search(words)):
        page, words = int(paged.group(1)), words[: paged.start()].strip()
    if chat is None:
        return
    if not words:
        await reply(update, escape(usage("search", chat_locale(update, context).t)))
        return
    await _answer(update, context, _Asked(chat.id, "search", words), page)


@route("more", changes_chat=False)
async def _more_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    """Another page, drawn over the message the button is under."""
    chat, query = update.effective_chat, update.callback_query
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or chat is None or query is None:
        raise StaleButton(f"more {parts!r}")
    number, page = int(parts[0]), max(1, int(parts[1]))
    asked = _asked.get(number)
    if asked is None or asked.chat_id != chat.id:
        raise StaleButton(f"chat {chat.id}: no search {number}")
    loc = chat_locale(update, context)
    stories, more = await _page(context, asked, _query(asked, context), page)
    if not stories:
        return loc.t.gettext("No older stories.")
    text = format_headlines(_title(asked, loc, page), stories, loc, first=(page - 1) * SHOWN + 1)
    await edit_pressed(update, context, text, _keyboard(number, page, more, loc))
    return None


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


HANDLERS = {"latest": latest, "search": search}
