"""What a chat reads: alerts, digests and headline lists as Telegram HTML. Pure.

Everything that came from a feed or a user is escaped, and every message stays under
Telegram's 4,096-character limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from ..models import Story

__all__ = [
    "MAX_MESSAGE",
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


def _source_line(story: Story, extra_sources: int = 0) -> str:
    parts = [escape(shorten(story.source, 80))] if story.source else []
    when = format_time(story.published or story.first_seen)
    if when:
        parts.append(when)
    if extra_sources:
        parts.append(f"+{extra_sources} source{'s' if extra_sources > 1 else ''}")
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


def _chunks(header: str, lines: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack lines into as few messages as fit under `limit`, each opening with `header`."""
    messages: list[str] = []
    current = header
    for line in lines:
        if len(current) + 1 + len(line) > limit and current != header:
            messages.append(current)
            current = header + " (continued)"
        current = f"{current}\n{line}"
    messages.append(current)
    return messages


def format_digest(items: Sequence[tuple[Story, str]]) -> list[str]:
    """Many waiting alerts as one message (or a few, each under the limit).

    `items` are (story, topic) pairs, oldest first.
    """
    header = f"📰 <b>{len(items)} new stories for your topics</b>"
    lines = []
    for story, topic in items:
        source = f" — {escape(shorten(story.source, 60))}" if story.source else ""
        lines.append(f"• {headline_link(story)}{source} <i>[{escape(shorten(topic, 60))}]</i>")
    return _chunks(header, lines)


def format_headlines(title: str, stories: Sequence[Story]) -> str:
    """A numbered list of headlines for /latest and /search."""
    lines = [f"<b>{escape(title)}</b>"]
    for number, story in enumerate(stories, 1):
        meta = " · ".join(
            p for p in (escape(shorten(story.source, 60)), format_time(story.published)) if p
        )
        lines.append(f"{number}. {headline_link(story)}" + (f"\n    <i>{meta}</i>" if meta else ""))
    return _chunks(lines[0], lines[1:])[0]
