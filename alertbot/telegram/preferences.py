"""/language, /timezone and /settings: the chat's language and time zone, with buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from ..delivery.localtime import (
    INDONESIAN_ZONES,
    ZoneError,
    format_local_time,
    resolve_zone,
    zone_abbreviation,
)
from ..i18n import LANGUAGE_NAMES, LANGUAGES, ChatLocale, Translator
from .buttons import StaleButton, callback_data, redraw, route, screen, target
from .chat_locale import chat_locale
from .commands import usage
from .delivery_settings import SettingError, apply, delivery_lines, delivery_rows, parse_setting
from .permissions import may_manage
from .replies import argument_text, reply
from .services import Context, services
from .topic_buttons import chat_name, switch_row

__all__ = [
    "HANDLERS",
    "ZONE_BUTTONS",
    "language_row",
    "zone_description",
    "zone_row",
]

# The zones offered as buttons: Indonesia's three, then UTC.
ZONE_BUTTONS = {**{z.abbreviation: z.zone for z in INDONESIAN_ZONES}, "UTC": "UTC"}
_LANGUAGE_WORDS = {
    "en": "en",
    "english": "en",
    "inggris": "en",
    "id": "id",
    "indonesia": "id",
    "indonesian": "id",
    "bahasa": "id",
    "bahasa indonesia": "id",
}


def zone_description(zone: str, t: Translator, now: datetime | None = None) -> str:
    """ "WIB (Asia/Jakarta), now 14:05 WIB" in the chat's language."""
    moment = now or datetime.now(UTC)
    label = zone_abbreviation(zone, moment)
    # "WIB (Asia/Jakarta)"; a bare offset (Etc/GMT-7 is UTC+7) is clearer without its name.
    plain = label == zone or zone.startswith("Etc/")
    name = escape(label) if plain else f"{escape(label)} ({escape(zone)})"
    return t.gettext("{zone}, now {time}").format(
        zone=name, time=escape(format_local_time(moment, zone))
    )


def language_row(current: str, tag: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            ("✓ " if code == current else "") + LANGUAGE_NAMES[code],
            callback_data=callback_data("lang", code, tag),
        )
        for code in LANGUAGES
    ]


def zone_row(
    current: str, tag: str, abbreviations: tuple[str, ...] = ()
) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            ("✓ " if ZONE_BUTTONS[abbreviation] == current else "") + abbreviation,
            callback_data=callback_data("tz", abbreviation, tag),
        )
        for abbreviation in abbreviations or tuple(ZONE_BUTTONS)
    ]


# ---- screens ----------------------------------------------------------------------------


@screen("l")
def _language_screen(
    update: Update, context: Context, loc: ChatLocale, chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = loc.t
    text = t.gettext("🌐 Language of this chat: <b>{language}</b>\nChoose another:").format(
        language=escape(LANGUAGE_NAMES[loc.language])
    )
    return text, InlineKeyboardMarkup([language_row(loc.language, "l")])


@screen("z")
def _zone_screen(
    update: Update, context: Context, loc: ChatLocale, chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = loc.t
    text = "\n".join(
        [
            t.gettext("🕒 Time zone of this chat: {zone}").format(
                zone=zone_description(loc.zone, t)
            ),
            t.gettext("Choose one, or type a zone name, e.g. /timezone Europe/London."),
            escape(usage("timezone", t)),
        ]
    )
    return text, InlineKeyboardMarkup([zone_row(loc.zone, "z")])


@screen("s")
def _settings_screen(
    update: Update, context: Context, loc: ChatLocale, chat_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The chat's (or a managed channel's) settings, with buttons to change them."""
    t = loc.t
    store = services(context).store
    count = len(store.chat_subscriptions(chat_id))
    prefs = store.chat_preferences(chat_id)
    name = chat_name(update, context, chat_id)
    tag = f"s{chat_id}" if name else "s"
    lines = [
        t.gettext("<b>⚙️ Settings of {name}</b>").format(name=escape(name))
        if name
        else t.gettext("<b>⚙️ Settings of this chat</b>"),
        t.gettext("🌐 Language: {language}").format(language=escape(LANGUAGE_NAMES[loc.language])),
        t.gettext("🕒 Time zone: {zone}").format(zone=zone_description(loc.zone, t)),
        t.ngettext(
            "📌 Follows {n} topic: see /topics", "📌 Follows {n} topics: see /topics", count
        ).format(n=count),
        *delivery_lines(prefs, loc),
        "",
        t.gettext("Change them with the buttons, or with /language and /timezone &lt;zone&gt;."),
        escape(
            t.gettext(
                "Typed: /settings hourly, /settings daily 7, /settings now, "
                "/settings quiet 22-6, /settings quiet off, /settings previews on"
            )
        ),
    ]
    keyboard = [
        language_row(loc.language, tag),
        zone_row(loc.zone, tag),
        *delivery_rows(prefs, loc, tag),
    ]
    if switch := switch_row(update, context, loc, "s", chat_id):
        keyboard.append(switch)
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def _show(update: Update, context: Context, draw: str) -> None:
    screens = {"l": _language_screen, "z": _zone_screen, "s": _settings_screen}
    chat = update.effective_chat
    loc = chat_locale(update, context)
    text, keyboard = screens[draw](update, context, loc, chat.id if chat else 0)
    await reply(update, text, keyboard)


# ---- commands ---------------------------------------------------------------------------


async def _refused(update: Update, t: Translator) -> None:
    await reply(update, escape(t.gettext("⛔ Only this group's admins can change this.")))


async def language(update: Update, context: Context) -> None:
    """The chat's language: buttons, or /language en|id."""
    chat, typed = update.effective_chat, argument_text(update).lower()
    if not typed or chat is None:
        await _show(update, context, "l")
        return
    t = chat_locale(update, context).t
    code = _LANGUAGE_WORDS.get(typed)
    if code is None:
        reason = t.gettext("There is no language {language} here: choose English or Indonesian.")
        await reply(update, reason.format(language=f"<b>{escape(typed[:50])}</b>"))
        return
    if not await may_manage(update, context):
        await _refused(update, t)
        return
    services(context).store.set_chat_language(chat.id, code)
    await _show(update, context, "l")


async def timezone(update: Update, context: Context) -> None:
    """The chat's time zone: /timezone Asia/Jakarta (or WIB, WITA, WIT, UTC), or buttons."""
    chat, typed = update.effective_chat, argument_text(update)
    if not typed or chat is None:
        await _show(update, context, "z")
        return
    loc = chat_locale(update, context)
    t = loc.t
    if not await may_manage(update, context):
        await _refused(update, t)
        return
    try:
        zone = resolve_zone(typed)
    except ZoneError as exc:
        lines = [
            t.gettext("{zone} is not a time zone I know.").format(
                zone=f"<b>{escape(typed[:80])}</b>"
            )
        ]
        if exc.suggestions:
            lines.append(
                t.gettext("Did you mean {zones}?").format(
                    zones=", ".join(escape(s) for s in exc.suggestions)
                )
            )
        lines.append(
            t.gettext(
                "Use an IANA name such as Asia/Jakarta, Asia/Makassar, Asia/Jayapura or Europe/London, or WIB, WITA, WIT, UTC."
            )
        )
        lines.append(escape(usage("timezone", t)))
        await reply(update, "\n".join(lines))
        return
    services(context).store.set_chat_timezone(chat.id, zone)
    text = t.gettext("🕒 Time zone set: {zone}").format(zone=zone_description(zone, t))
    await reply(update, text, InlineKeyboardMarkup([zone_row(zone, "z")]))


async def settings(update: Update, context: Context) -> None:
    """The chat's settings, with buttons to change them; or one typed: /settings daily 7."""
    chat, typed = update.effective_chat, argument_text(update)
    if typed and chat is not None:
        t = chat_locale(update, context).t
        try:
            values = parse_setting(typed)
        except SettingError:
            refusal = t.gettext("{setting} is not a setting I know.").format(
                setting=f"<b>{escape(typed[:60])}</b>"
            )
            await reply(update, f"{refusal}\n{escape(usage('settings', t))}")
            return
        if not await may_manage(update, context):
            await _refused(update, t)
            return
        apply(context, chat.id, values)
    await _show(update, context, "s")


# ---- buttons ----------------------------------------------------------------------------


@route("lang")
async def _language_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    if len(parts) != 2 or parts[0] not in LANGUAGES:
        raise StaleButton(f"language {parts!r}")
    chat_id = await target(update, context, parts[1])  # checked before anything changes
    services(context).store.set_chat_language(chat_id, parts[0])
    await redraw(update, context, parts[1])
    return LANGUAGE_NAMES[parts[0]]


@route("tz")
async def _zone_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    if len(parts) != 2 or parts[0] not in ZONE_BUTTONS:
        raise StaleButton(f"zone {parts!r}")
    chat_id = await target(update, context, parts[1])
    zone = ZONE_BUTTONS[parts[0]]
    services(context).store.set_chat_timezone(chat_id, zone)
    await redraw(update, context, parts[1])
    t = chat_locale(update, context).t
    return t.gettext("🕒 Time zone set: {zone}").format(zone=zone_description(zone, t))


HANDLERS = {"language": language, "timezone": timezone, "settings": settings}
