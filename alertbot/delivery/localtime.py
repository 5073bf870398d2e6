"""Times as a chat sees them: its time zone, with the zone's abbreviation; pure.

    format_local_time(datetime(2026, 10, 5, 7, 5, tzinfo=UTC), "Asia/Jakarta") == "14:05 WIB"

Zones without a lettered abbreviation in the tz database (Asia/Dubai is "+04") are shown
as an offset from UTC: "11:05 UTC+4".
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babel.dates import format_date

__all__ = [
    "INDONESIAN_ZONES",
    "ZoneError",
    "format_local_date_time",
    "format_local_time",
    "resolve_zone",
    "zone_abbreviation",
]


@dataclass(frozen=True)
class NamedZone:
    abbreviation: str
    zone: str


# Indonesia's three zones (waktu Indonesia barat, tengah, timur), west to east, and UTC.
INDONESIAN_ZONES = (
    NamedZone("WIB", "Asia/Jakarta"),
    NamedZone("WITA", "Asia/Makassar"),
    NamedZone("WIT", "Asia/Jayapura"),
)
_SHORT_NAMES = {z.abbreviation: z.zone for z in INDONESIAN_ZONES} | {"UTC": "UTC", "GMT": "UTC"}


class ZoneError(ValueError):
    """Not a time zone: `reason` is "empty" or "unknown", `suggestions` near names (maybe none)."""

    def __init__(self, reason: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestions = suggestions


# "UTC+7", "GMT-3": a fixed offset. (The tz database's Etc/GMT+7 means UTC-7, POSIX's way.)
_OFFSET = re.compile(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?00)?", re.IGNORECASE)


def _offset_zone(match: re.Match[str]) -> str:
    sign, hours = match.group(1), int(match.group(2))
    if hours == 0:
        return "UTC"
    if (sign == "+" and hours > 14) or (sign == "-" and hours > 12):
        raise ZoneError("unknown")
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def resolve_zone(text: str) -> str:
    """What a person typed ("Asia/Jakarta", "asia/jakarta", "WIB", "Jakarta") -> an IANA name."""
    typed = text.strip()
    if not typed:
        raise ZoneError("empty")
    if typed.upper() in _SHORT_NAMES:
        return _SHORT_NAMES[typed.upper()]
    if offset := _OFFSET.fullmatch(typed):
        return _offset_zone(offset)
    key = typed.replace(" ", "_").lower()
    names = _zones_by_lower_name()
    if key in names:
        return names[key]
    city = key.rsplit("/", 1)[-1]
    same_city = sorted(
        n for k, n in names.items() if k.rsplit("/", 1)[-1] == city and not k.startswith("etc/")
    )
    if "/" not in key and len(same_city) == 1:
        return same_city[0]  # "Jakarta" is Asia/Jakarta
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.8)
    suggestions = tuple(dict.fromkeys([*same_city, *(names[k] for k in close)]))
    raise ZoneError("unknown", suggestions[:3])


def _offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_abbreviation(zone: str, at: datetime | None = None) -> str:
    """ "WIB", "CEST", "UTC", or "UTC+4" where the tz database has only numbers."""
    local = (at or datetime.now(UTC)).astimezone(zoneinfo.ZoneInfo(zone))
    name = local.tzname() or ""
    if not name or name[0] in "+-":
        return _offset_label(local.utcoffset() or timedelta(0))
    return name


def format_local_time(moment: datetime, zone: str) -> str:
    """ "14:05 WIB": the moment's wall-clock time in `zone`, with the zone's abbreviation."""
    local = _aware(moment).astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%H:%M} {zone_abbreviation(zone, local)}"


def format_local_date_time(moment: datetime, zone: str, language: str = "en") -> str:
    """ "05 Oct 2026 14:05 WIB" (Indonesian: "05 Okt 2026 14:05 WIB"), month names by Babel."""
    local = _aware(moment).astimezone(zoneinfo.ZoneInfo(zone))
    day = format_date(local.date(), "dd MMM yyyy", locale=language)
    return f"{day} {format_local_time(local, zone)}"


def _aware(moment: datetime) -> datetime:
    """The store's times are UTC; a naive one is taken as UTC, never as the machine's zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
