"""Tell the admins when a feed starts failing, recovers or is disabled: once each, never a stream.

`health_change` is the pure decision; `HealthNotifier` is the Poller's `on_result` hook that
sends the message to every admin, in the background, and never lets a send error escape.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from enum import StrEnum
from html import escape
from typing import Protocol

from ..delivery.format import ENGLISH_UTC, Texts, shorten
from ..delivery.recorder import texts_for
from ..feeds.logsafe import loggable
from ..models import Feed
from .pipeline import RefreshResult

__all__ = ["FAILING_AFTER", "HealthChange", "HealthNotifier", "health_change", "health_message"]

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # errors in a row before the admins hear of it: one blip is not news


class HealthChange(StrEnum):
    FAILING = "failing"
    RECOVERED = "recovered"
    DISABLED = "disabled"


def health_change(
    errors_before: int,
    errors_after: int,
    *,
    disabled: bool = False,
    threshold: int = FAILING_AFTER,
) -> HealthChange | None:
    """What, if anything, the admins must hear after one refresh of a feed.

    FAILING only on the refresh that reaches `threshold` errors in a row, RECOVERED only on
    the success that ends such a run, DISABLED when the refresh disabled the feed (410).
    """
    if disabled:
        return HealthChange.DISABLED
    if errors_before < threshold <= errors_after:
        return HealthChange.FAILING
    if errors_before >= threshold and errors_after == 0:
        return HealthChange.RECOVERED
    return None


def health_message(
    change: HealthChange, feed: Feed, result: RefreshResult, t: Texts = ENGLISH_UTC.t
) -> str:
    """The admins' message, as escaped Telegram HTML, in `t`'s language (the fetcher's own
    diagnosis, e.g. "HTTP 500 Internal Server Error", is quoted as it said it)."""
    name = f"#{feed.id} <b>{escape(shorten(feed.title or feed.url, 100))}</b>"
    error = escape(shorten(result.error or "", 300))
    if change is HealthChange.FAILING:
        failing = t.gettext("🔴 Feed {name} is failing: {error}")
        more = t.ngettext(
            "{n} error in a row; it is retried with back-off (at most every 6 h). "
            "/feeds shows it; /pausefeed {id} stops it.",
            "{n} errors in a row; it is retried with back-off (at most every 6 h). "
            "/feeds shows it; /pausefeed {id} stops it.",
            result.errors_in_row,
        )
        return (
            failing.format(name=name, error=error)
            + "\n"
            + escape(more.format(n=result.errors_in_row, id=feed.id))
        )
    if change is HealthChange.RECOVERED:
        recovered = t.ngettext(
            "🟢 Feed {name} recovered after {n} error in a row",
            "🟢 Feed {name} recovered after {n} errors in a row",
            feed.errors_in_row,
        ).format(name=name, n=feed.errors_in_row)
        if feed.last_error:
            last = escape(shorten(feed.last_error, 300))
            recovered += " " + t.gettext("(the last: {error})").format(error=last)
        return recovered + "."
    return t.gettext(
        "⚫ Feed {name} is disabled: {error}. The server says it is gone for good; "
        "/resumefeed {id} polls it again."
    ).format(name=name, error=error, id=feed.id)


class _Bot(Protocol):
    async def send_message(self, chat_id: int, text: str, *, parse_mode: str) -> object: ...


class HealthNotifier:
    """The Poller's `on_result` hook: decides, then sends to every admin in a task."""

    def __init__(
        self,
        bot: _Bot,
        admin_ids: Iterable[int],
        *,
        threshold: int = FAILING_AFTER,
        texts_for: Callable[[int], Texts] | None = None,
    ) -> None:
        self.bot = bot
        self.texts_for = texts_for
        self.admin_ids = tuple(sorted(admin_ids))
        self.threshold = threshold
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, feed: Feed, result: RefreshResult) -> None:
        change = health_change(
            feed.errors_in_row,
            result.errors_in_row,
            disabled=result.disabled,
            threshold=self.threshold,
        )
        if change is None or not self.admin_ids:
            return
        log.info("feed %s %s; telling %d admin(s)", loggable(feed.url), change, len(self.admin_ids))
        task = asyncio.create_task(self._send(change, feed, result))
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

    async def _send(self, change: HealthChange, feed: Feed, result: RefreshResult) -> None:
        for admin_id in self.admin_ids:
            try:
                html = health_message(change, feed, result, texts_for(self.texts_for, admin_id))
                await self.bot.send_message(admin_id, html, parse_mode="HTML")
            except Exception as exc:  # an admin who blocked the bot must not stop the others
                log.warning("could not tell admin %s about a feed: %s", admin_id, exc)

    async def wait_idle(self) -> None:
        """Wait for messages being sent (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
