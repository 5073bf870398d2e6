"""What a chat reads: alerts, digests and headline lists as Telegram HTML. Pure.

Everything that came from a feed or a user is escaped, every message stays under
Telegram's 4,096-character limit, and every word and time is in the reader's language
and time zone (a `Reader`: the chat's locale).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Protocol

from ..i18n import ENGLISH, Texts
from ..models import Story
from .localtime import format_local_date_time

__all__ = [
    "ENGLISH_UTC",
    "MAX_MESSAGE",
    "Reader",
    "Texts",
    "digest_parts",
    "format_alert",
    "format_headlines",
    "format_time",
    "headline_link",
    "reason_text",
    "shorten",
]

MAX_MESSAGE = 4096
MAX_TITLE = 300


class Reader(Protocol):
    """Who reads: a language ("en", "id"), its texts, and an IANA time zone."""

    @property
    def language(self) -> str: ...

    @property
    def zone(self) -> str: ...

    @property
    def t(self) -> Texts: ...


@dataclass(frozen=True)
class _Plain:
    language: str = "en"
    zone: str = "UTC"

    @property
    def t(self) -> Texts:
        return ENGLISH


ENGLISH_UTC: Reader = _Plain()


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_time(when: datetime | None, reader: Reader = ENGLISH_UTC) -> str:
    """ "05 Oct 2020 21:00 WIB": the reader's zone, month names in their language."""
    return format_local_date_time(when, reader.zone, reader.language) if when else ""


def headline_link(story: Story, reader: Reader = ENGLISH_UTC) -> str:
    """The headline as a link (or plain text when the story has no link)."""
    title = escape(shorten(story.title or reader.t.gettext("(untitled)"), MAX_TITLE))
    if not story.link:
        return title
    return f'<a href="{escape(story.link, quote=True)}">{title}</a>'


def _more_sources(n: int, reader: Reader) -> str:
    return reader.t.ngettext("+{n} source", "+{n} sources", n).format(n=n)


# The outbox stores matching's English reason; it is said again in the reader's language.
_REASON = re.compile(r"matched “(?P<term>.*)” in the (?P<where>title|text)", re.DOTALL)


def reason_text(reason: str, reader: Reader = ENGLISH_UTC) -> str:
    """'matched “Artsakh” in the title', in the reader's language (unknown shapes as-is)."""
    found = _REASON.fullmatch(reason)
    if found is None:
        return reason
    t = reader.t
    said = (
        t.gettext("matched “{term}” in the title")
        if found["where"] == "title"
        else t.gettext("matched “{term}” in the text")
    )
    return said.format(term=found["term"])


def _source_line(story: Story, extra_sources: int, reader: Reader) -> str:
    parts = [escape(shorten(story.source, 80))] if story.source else []
    when = format_time(story.published or story.first_seen, reader)
    if when:
        parts.append(when)
    if extra_sources:
        parts.append(_more_sources(extra_sources, reader))
    return " · ".join(parts)


def format_alert(
    story: Story,
    *,
    topic: str,
    reason: str = "",
    extra_sources: int = 0,
    reader: Reader = ENGLISH_UTC,
) -> str:
    """One story for one chat: the topic, the headline as a link, source, time, and why."""
    lines = [f"🔔 <b>{escape(shorten(topic, 100))}</b>", headline_link(story, reader)]
    source = _source_line(story, extra_sources, reader)
    if source:
        lines.append(source)
    if reason:
        lines.append(f"<i>{escape(shorten(reason_text(reason, reader), 200))}</i>")
    return "\n".join(lines)


def _pack(
    header: str, lines: Sequence[str], continued: str, limit: int = MAX_MESSAGE
) -> list[tuple[str, int]]:
    """Pack lines into as few messages as fit under `limit`, each opening with `header`
    (then `continued`). Returns each message with the number of lines it carries."""
    messages: list[tuple[str, int]] = []
    current, count = header, 0
    for line in lines:
        if len(current) + 1 + len(line) > limit and count:
            messages.append((current, count))
            current, count = continued, 0
        current, count = f"{current}\n{line}", count + 1
    messages.append((current, count))
    return messages


def digest_parts(
    items: Sequence[tuple[Story, str]],
    *,
    extra_sources: Mapping[int, int] | None = None,
    note: str = "",
    reader: Reader = ENGLISH_UTC,
) -> list[tuple[str, int]]:
    """Many waiting alerts as one message (or a few, each under the limit).

    `items` are (story, topic) pairs, oldest first; `extra_sources` counts, per story id,
    the other feeds that carried the story; `note` (already in the reader's language) is
    shown under the heading. Each message comes with how many of the items, in order, it
    carries, so a sender can record progress part by part.
    """
    t = reader.t
    extra = extra_sources or {}
    title = t.ngettext(
        "{n} new story for your topics", "{n} new stories for your topics", len(items)
    ).format(n=len(items))
    header = f"📰 <b>{escape(title)}</b>"
    continued = f"📰 <b>{escape(title)} {escape(t.gettext('(continued)'))}</b>"
    if note:
        header += f"\n<i>{escape(note)}</i>"
    lines = []
    for story, topic in items:
        source = f" — {escape(shorten(story.source, 60))}" if story.source else ""
        more = f" ({_more_sources(extra[story.id], reader)})" if extra.get(story.id) else ""
        lines.append(
            f"• {headline_link(story, reader)}{source}{more} <i>[{escape(shorten(topic, 60))}]</i>"
        )
    return _pack(header, lines, continued)


def format_headlines(
    title: str, stories: Sequence[Story], reader: Reader = ENGLISH_UTC, *, first: int = 1
) -> str:
    """A numbered list of headlines for /latest and /search, in one message; `title` is
    already in the reader's language, numbers start at `first` (page 2 of ten at 11)."""
    header = f"<b>{escape(title)}</b>"
    lines = []
    for number, story in enumerate(stories, first):
        meta = " · ".join(
            p
            for p in (escape(shorten(story.source, 60)), format_time(story.published, reader))
            if p
        )
        lines.append(
            f"{number}. {headline_link(story, reader)}" + (f"\n    <i>{meta}</i>" if meta else "")
        )
    return _pack(header, lines, header)[0][0]
