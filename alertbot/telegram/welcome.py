"""/start: what the bot does, then buttons — language, time zone, topics to follow in one tap.

`register(application)` adds this slice's commands (/start, /language, /timezone,
/settings) and the one callback-query handler every button goes through.
"""

from __future__ import annotations

import logging
import tomllib
import zlib
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from ..i18n import LANGUAGE_NAMES, ChatLocale
from . import preferences, subscriber
from .buttons import StaleButton, callback_data, on_callback, route, screen
from .chat_locale import chat_locale
from .replies import reply
from .services import Context, bot_data

__all__ = ["SuggestedTopic", "load_suggested_topics", "register", "start"]

log = logging.getLogger(__name__)

MAX_SUGGESTED = 8


@dataclass(frozen=True)
class SuggestedTopic:
    query: str
    label: str

    @property
    def check(self) -> str:
        """Four hex digits of the query: a button from an older list is recognised as stale."""
        return f"{zlib.crc32(self.query.encode('utf-8')) & 0xFFFF:04x}"


def load_suggested_topics(path: Path) -> tuple[SuggestedTopic, ...]:
    """The [[topic]] tables of `path`; a missing or broken file offers none (and says why)."""
    if not path.exists():
        return ()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        topics = tuple(
            SuggestedTopic(str(t["query"]).strip(), str(t.get("label") or t["query"]).strip())
            for t in data.get("topic", [])
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        log.warning("suggested topics file %s is not usable, offering none: %s", path, exc)
        return ()
    return tuple(t for t in topics if t.query)[:MAX_SUGGESTED]


def _suggested(context: Context) -> tuple[SuggestedTopic, ...]:
    topics: tuple[SuggestedTopic, ...] = bot_data(context.application).suggested_topics
    return topics


@screen("w")
def _welcome_screen(
    update: Update, context: Context, loc: ChatLocale, chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = loc.t
    example = t.gettext("(ceasefire OR truce) Karabakh -football")
    lines = [
        t.gettext(
            "👋 <b>AlertBot</b> watches news sites and sends you an alert as soon as a new "
            "story matches a topic you follow."
        )
        + " "
        + t.gettext(
            "You can also ask for the latest headlines with /latest and search stored "
            "stories with /search."
        ),
        "",
        t.gettext("🌐 Language: {language} · 🕒 Time zone: {zone}").format(
            language=escape(LANGUAGE_NAMES[loc.language]),
            zone=preferences.zone_description(loc.zone, t),
        ),
        "",
        t.gettext("Tap a topic to follow it, or write your own, for example:"),
        f"<code>/subscribe {escape(example)}</code>",
        t.gettext(
            'All words must appear; "exact phrase", OR between choices, -word to exclude, '
            "prefix* for word beginnings."
        ),
        "",
        t.gettext("/help lists every command."),
    ]
    # Indonesian readers are offered their country's three zones; others UTC and WIB.
    zones = ("WIB", "WITA", "WIT") if loc.language == "id" else ("UTC", "WIB")
    rows = [preferences.language_row(loc.language, "w"), preferences.zone_row(loc.zone, "w", zones)]
    topics = [
        InlineKeyboardButton(
            "➕ " + topic.label, callback_data=callback_data("topic", i, topic.check)
        )
        for i, topic in enumerate(_suggested(context))
    ]
    rows += [topics[i : i + 2] for i in range(0, len(topics), 2)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def start(update: Update, context: Context) -> None:
    """Welcome: what the bot does, and buttons to set it up."""
    loc, chat = chat_locale(update, context), update.effective_chat
    text, keyboard = _welcome_screen(update, context, loc, chat.id if chat else 0)
    await reply(update, text, keyboard)


@route("topic")
async def _topic_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    """A suggested topic: followed through the very path /subscribe takes."""
    topics = _suggested(context)
    if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) >= len(topics):
        raise StaleButton(f"topic {parts!r}")
    topic = topics[int(parts[0])]
    if topic.check != parts[1]:
        raise StaleButton(f"topic {parts!r} is from an older list")
    await subscriber.follow(update, context, topic.query)
    return None


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add /start, /language, /timezone, /settings and the button router to `app`."""
    data = bot_data(app)
    assert data.settings is not None
    data.suggested_topics = load_suggested_topics(data.settings.suggested_topics_path)
    app.add_handler(CommandHandler("start", start))
    for name, handler in preferences.HANDLERS.items():
        app.add_handler(CommandHandler(name, handler))
    app.add_handler(CallbackQueryHandler(on_callback))
