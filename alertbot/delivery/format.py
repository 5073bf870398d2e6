"""What a chat reads: alerts, digests and headline lists as Telegram HTML. Pure.

Everything that came from a feed or a user is escaped, and every message stays under
Telegram's 4,096-character limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from ..models import Story

__all__ = [
    "MAX_MESSAGE",
    "digest_parts",
    "format_alert",
    "format_digest",
    "format_headlines",
    "format_time",
    "headline_link",
    "shorten",
]

MAX_MESSAGE = 4096
MAX_TITLE = 300


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_time(when: datetime | None) -> str:
    return when.strftime("%d %b %Y %H:%M UTC") if when else ""


def headline_link(story: Story) -> str:
    """The headline as a link (or plain text when the story has no link)."""
    title = escape(shorten(story.title or "(untitled)", MAX_TITLE))
    if not story.link:
        return title
    return f'<a href="{escape(story.link, quote=True)}">{title}</a>'


def _plural_sources(n: int) -> str:
    return f"+{n} source{'s' if n > 1 else ''}"


def _source_line(story: Story, extra_sources: int = 0) -> str:
    parts = [escape(shorten(story.source, 80))] if story.source else []
    when = format_time(story.published or story.first_seen)
    if when:
        parts.append(when)
    if extra_sources:
        parts.append(_plural_sources(extra_sources))
    return " · ".join(parts)


def format_alert(story: Story, *, topic: str, reason: str = "", extra_sources: int = 0) -> str:
    """One story for one chat: the topic, the headline as a link, source, time, and why."""
    lines = [f"🔔 <b>{escape(shorten(topic, 100))}</b>", headline_link(story)]
    source = _source_line(story, extra_sources)
    if source:
        lines.append(source)
    if reason:
        lines.append(f"<i>{escape(shorten(reason, 200))}</i>")
    return "\n".join(lines)


def _pack(header: str, lines: Sequence[str], limit: int = MAX_MESSAGE) -> list[tuple[str, int]]:
    """Pack lines into as few messages as fit under `limit`, each opening with `header`.

    Returns each message with the number of lines it carries.
    """
    messages: list[tuple[str, int]] = []
    current, count = header, 0
    for line in lines:
        if len(current) + 1 + len(line) > limit and count:
            messages.append((current, count))
            current, count = header + " (continued)", 0
        current, count = f"{current}\n{line}", count + 1
    messages.append((current, count))
    return messages


def _chunks(header: str, lines: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    return [text for text, _ in _pack(header, lines, limit)]


def digest_parts(
    items: Sequence[tuple[Story, str]],
    *,
    extra_sources: Mapping[int, int] | None = None,
    note: str = "",
) -> list[tuple[str, int]]:
    """Many waiting alerts as one message (or a few, each under the limit).

    `items` are (story, topic) pairs, oldest first; `extra_sources` counts, per story id,
    the other feeds that carried the story. Each message comes with how many of the items,
    in order, it carries, so a sender can record progress part by part.
    """
    extra = extra_sources or {}
    header = f"📰 <b>{len(items)} new stories for your topics</b>"
    if note:
        header += f"\n<i>{escape(note)}</i>"
    lines = []
    for story, topic in items:
        source = f" — {escape(shorten(story.source, 60))}" if story.source else ""
        more = f" ({_plural_sources(extra[story.id])})" if extra.get(story.id) else ""
        lines.append(
            f"• {headline_link(story)}{source}{more} <i>[{escape(shorten(topic, 60))}]</i>"
        )
    return _pack(header, lines)


def format_digest(
    items: Sequence[tuple[Story, str]], *, extra_sources: Mapping[int, int] | None = None
) -> list[str]:
    """The texts of `digest_parts`."""
    return [text for text, _ in digest_parts(items, extra_sources=extra_sources)]


def format_headlines(title: str, stories: Sequence[Story]) -> str:
    """A numbered list of headlines for /latest and /search."""
    lines = [f"<b>{escape(title)}</b>"]
    for number, story in enumerate(stories, 1):
        meta = " · ".join(
            p for p in (escape(shorten(story.source, 60)), format_time(story.published)) if p
        )
        lines.append(f"{number}. {headline_link(story)}" + (f"\n    <i>{meta}</i>" if meta else ""))
    return _chunks(lines[0], lines[1:])[0]
