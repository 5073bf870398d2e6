"""The delivery part of /settings: at once or as an hourly or daily digest, quiet hours,
link previews. Rows of buttons for the settings screen, their routes, and the typed forms
(`/settings hourly`, `/settings daily 7`, `/settings quiet 22-6`, `/settings previews on`)."""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, Update

from ..delivery.compose import DEFAULT_DAILY_HOUR
from ..delivery.localtime import zone_abbreviation
from ..delivery.timing import MODES
from ..i18n import ChatLocale, Translator
from ..models import ChatPreferences
from .buttons import StaleButton, callback_data, redraw, route, target
from .services import Context, services

__all__ = ["SettingError", "apply", "delivery_lines", "delivery_rows", "parse_setting"]

DAILY_HOURS = (6, 7, 8, 12, 18, 21)  # offered as buttons; any hour can be typed
QUIET_CHOICES = ((22, 6), (23, 7))
_QUIET = re.compile(r"(\d{1,2})(?::00)?\s*[-–]\s*(\d{1,2})(?::00)?")


class SettingError(ValueError):
    """A typed setting that is not understood."""


def _mode_label(t: Translator, mode: str) -> str:
    return {
        "now": t.gettext("⚡ At once"),
        "hourly": t.gettext("⏰ Hourly digest"),
        "daily": t.gettext("📅 Daily digest"),
    }[mode]


def _hours(start: int, end: int) -> str:
    return f"{start:02d}:00–{end:02d}:00"


def delivery_lines(prefs: ChatPreferences, loc: ChatLocale) -> list[str]:
    """What the settings screen says about delivery, in the chat's language and zone."""
    t, zone = loc.t, escape(zone_abbreviation(loc.zone))
    hour = DEFAULT_DAILY_HOUR if prefs.daily_hour is None else prefs.daily_hour
    mode = prefs.delivery if prefs.delivery in MODES else "now"
    delivery = {
        "now": t.gettext("each alert at once"),
        "hourly": t.gettext("one digest every hour"),
        "daily": t.gettext("one digest a day at {time}").format(time=f"{hour:02d}:00 {zone}"),
    }[mode]
    if prefs.quiet_start is None or prefs.quiet_end is None:
        quiet = t.gettext("off")
    else:
        quiet = t.gettext("{hours} {zone}: alerts wait, then come as one digest").format(
            hours=_hours(prefs.quiet_start, prefs.quiet_end), zone=zone
        )
    return [
        t.gettext("📬 Delivery: {delivery}").format(delivery=delivery),
        t.gettext("🌙 Quiet hours: {quiet}").format(quiet=quiet),
        t.gettext("🔗 Link previews: {state}").format(
            state=t.gettext("on") if prefs.previews else t.gettext("off")
        ),
    ]


def delivery_rows(
    prefs: ChatPreferences, loc: ChatLocale, tag: str
) -> list[list[InlineKeyboardButton]]:
    t = loc.t
    mode = prefs.delivery if prefs.delivery in MODES else "now"

    def mark(chosen: bool, label: str) -> str:
        return ("✓ " if chosen else "") + label

    rows = [
        [
            InlineKeyboardButton(
                mark(m == mode, _mode_label(t, m)), callback_data=callback_data("dm", m, tag)
            )
            for m in MODES
        ]
    ]
    if mode == "daily":
        hour = DEFAULT_DAILY_HOUR if prefs.daily_hour is None else prefs.daily_hour
        rows.append(
            [
                InlineKeyboardButton(
                    mark(h == hour, f"{h:02d}:00"), callback_data=callback_data("dh", h, tag)
                )
                for h in DAILY_HOURS
            ]
        )
    quiet = (prefs.quiet_start, prefs.quiet_end)
    rows.append(
        [
            InlineKeyboardButton(
                mark(prefs.quiet_start is None, t.gettext("🌙 No quiet hours")),
                callback_data=callback_data("qh", "off", tag),
            ),
            *(
                InlineKeyboardButton(
                    mark(quiet == choice, "🌙 " + _hours(*choice)),
                    callback_data=callback_data("qh", f"{choice[0]}-{choice[1]}", tag),
                )
                for choice in QUIET_CHOICES
            ),
        ]
    )
    toggle = (
        t.gettext("🔗 Turn link previews off")
        if prefs.previews
        else t.gettext("🔗 Turn link previews on")
    )
    rows.append(
        [
            InlineKeyboardButton(
                toggle, callback_data=callback_data("lp", int(not prefs.previews), tag)
            )
        ]
    )
    return rows


def _hour(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise SettingError(text)
    return int(text)


def parse_setting(text: str) -> dict[str, str | int | bool | None]:
    """A typed setting -> the preferences it changes. Pure.

    "now" | "hourly" | "daily [hour]" | "quiet <start>-<end>" | "quiet off" | "previews on|off"
    """
    words = text.lower().split()
    if not words:
        raise SettingError(text)
    key, rest = words[0], words[1:]
    if key in {"now", "instant", "immediately"} and not rest:
        return {"delivery": "now"}
    if key == "hourly" and not rest:
        return {"delivery": "hourly"}
    if key == "daily" and len(rest) <= 1:
        hour = _hour(rest[0].split(":")[0].removesuffix("h")) if rest else None
        return {"delivery": "daily"} | ({"daily_hour": hour} if hour is not None else {})
    if key == "quiet" and rest == ["off"]:
        return {"quiet_start": None, "quiet_end": None}
    if key == "quiet" and (found := _QUIET.fullmatch(" ".join(rest))):
        start, end = _hour(found.group(1)), _hour(found.group(2))
        if start == end:
            raise SettingError(text)
        return {"quiet_start": start, "quiet_end": end}
    if key == "previews" and rest in (["on"], ["off"]):
        return {"previews": rest == ["on"]}
    raise SettingError(text)


async def _changed(
    update: Update, context: Context, tag: str, values: dict[str, str | int | bool | None]
) -> None:
    chat_id = await target(update, context, tag)  # checked before anything changes
    apply(context, chat_id, values)


def apply(context: Context, chat_id: int, values: dict[str, str | int | bool | None]) -> None:
    """Store the chat's new settings; alerts held by the old plan are looked at again."""
    svc = services(context)
    svc.store.set_chat_preferences(chat_id, **values)
    svc.store.release_chat(chat_id)
    svc.sender.wake()


@route("dm")
async def _mode_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    if len(parts) != 2 or parts[0] not in MODES:
        raise StaleButton(f"delivery {parts!r}")
    await _changed(update, context, parts[1], {"delivery": parts[0]})
    await redraw(update, context, parts[1])
    return None


@route("dh")
async def _hour_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) not in DAILY_HOURS:
        raise StaleButton(f"daily hour {parts!r}")
    await _changed(update, context, parts[1], {"delivery": "daily", "daily_hour": int(parts[0])})
    await redraw(update, context, parts[1])
    return None


@route("qh")
async def _quiet_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    choices = {f"{a}-{b}": (a, b) for a, b in QUIET_CHOICES}
    if len(parts) != 2 or (parts[0] != "off" and parts[0] not in choices):
        raise StaleButton(f"quiet hours {parts!r}")
    start, end = choices.get(parts[0], (None, None))
    await _changed(update, context, parts[1], {"quiet_start": start, "quiet_end": end})
    await redraw(update, context, parts[1])
    return None


@route("lp")
async def _previews_pressed(update: Update, context: Context, parts: list[str]) -> str | None:
    if len(parts) != 2 or parts[0] not in {"0", "1"}:
        raise StaleButton(f"previews {parts!r}")
    await _changed(update, context, parts[1], {"previews": parts[0] == "1"})
    await redraw(update, context, parts[1])
    return None
