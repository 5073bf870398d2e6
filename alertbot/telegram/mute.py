"""/mute <duration> and /unmute: hold a chat's alerts for a while, then one digest."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from html import escape

from telegram import Update

from ..delivery.format import format_time
from ..i18n import N_, Refusal, Translator, translator
from .chat_locale import chat_locale
from .commands import usage
from .permissions import chat_admins_only
from .replies import argument_text, reply
from .services import Context, services

__all__ = ["HANDLERS", "DurationError", "describe_duration", "parse_duration"]

MIN_MUTE = timedelta(minutes=1)
MAX_MUTE = timedelta(days=365)

_UNITS = {
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


class DurationError(Refusal):
    """Why a duration was not understood."""


def parse_duration(text: str) -> timedelta:
    """'30m', '2h', '1d', '1w', '1h30m', '2 hours' → a timedelta. Pure."""
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if not parts or _PART.sub("", compact).strip():
        raise DurationError(N_("“{text}” is not a duration like 30m, 2h, 1d or 1w"), text=text[:40])
    seconds = 0.0
    for number, unit in parts:
        if unit not in _UNITS:
            raise DurationError(N_("unknown unit “{unit}”: use m, h, d or w"), unit=unit[:20])
        seconds += float(number) * _UNITS[unit]
    duration = timedelta(seconds=round(seconds))
    if duration < MIN_MUTE:
        raise DurationError(N_("the shortest mute is 1 minute"))
    if duration > MAX_MUTE:
        raise DurationError(N_("the longest mute is 365 days"))
    return duration


def describe_duration(duration: timedelta, t: Translator | None = None) -> str:
    """A readable duration: '2 h', '1 day 6 h', '30 min' (Indonesian: '1 hari 6 jam')."""
    t = t or translator("en")
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [t.ngettext("{n} day", "{n} days", days).format(n=days)] if days else []
    parts += [t.gettext("{n} h").format(n=hours)] if hours else []
    parts += [t.gettext("{n} min").format(n=mins)] if mins else []
    return " ".join(parts) or t.gettext("{n} min").format(n=0)


@chat_admins_only
async def mute(update: Update, context: Context) -> None:
    """Hold this chat's alerts for a while; they come as one digest when the mute ends."""
    svc = services(context)
    loc = chat_locale(update, context)
    t = loc.t
    chat = update.effective_chat
    text = argument_text(update)
    if not text or chat is None:
        await reply(update, escape(usage("mute", t)))
        return
    try:
        duration = parse_duration(text)
    except DurationError as exc:
        refusal = t.gettext("Cannot mute: {reason}").format(reason=exc.said_in(t))
        await reply(update, f"{escape(refusal)}\n{escape(usage('mute', t))}")
        return
    until = time.time() + duration.total_seconds()
    svc.store.set_muted_until(chat.id, until)
    muted = t.gettext("🔕 Alerts muted for {duration}, until {time}.").format(
        duration=describe_duration(duration, t),
        time=format_time(datetime.fromtimestamp(until, UTC), loc),
    )
    later = t.gettext(
        "Stories that match meanwhile come as one digest when the mute ends. /unmute resumes now."
    )
    await reply(update, f"{escape(muted)}\n{escape(later)}")


@chat_admins_only
async def unmute(update: Update, context: Context) -> None:
    """Resume alerts now; what waited comes as one digest."""
    svc = services(context)
    t = chat_locale(update, context).t
    chat = update.effective_chat
    known = svc.store.get_chat(chat.id) if chat else None
    now = time.time()
    if (
        chat is None
        or known is None
        or not known.muted_until
        or known.muted_until.timestamp() <= now
    ):
        await reply(update, escape(t.gettext("Alerts are not muted here.")))
        return
    waiting = svc.store.pending_count(chat.id)  # counted before the sender can take them
    svc.store.set_muted_until(chat.id, now)
    resumed = t.gettext("🔔 Alerts resumed.")
    if waiting > 1:
        resumed += " " + t.gettext("The {n} alerts that waited come now as one digest.").format(
            n=waiting
        )
    elif waiting == 1:
        resumed += " " + t.gettext("The alert that waited comes now.")
    await reply(update, escape(resumed))
    svc.sender.wake()  # after the reply, so the chat reads why the digest comes


HANDLERS = {"mute": mute, "unmute": unmute}
