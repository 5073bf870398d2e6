"""The one sender: drains the alerts outbox into Telegram under flood limits.

The outbox is the database, so a crash loses nothing: an alert is marked sent only after
Telegram accepted it (at most the message in flight goes twice). Each chat is handled on
its own: a blocked, migrated or failing chat never holds up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from ..models import Alert
from ..store import Store
from ..store._base import now_ts
from .format import format_alert, format_digest
from .limits import FloodControl, FloodLimits

__all__ = ["Sender"]

log = logging.getLogger(__name__)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    def __init__(
        self,
        bot: Bot,
        store: Store,
        *,
        limits: FloodLimits | None = None,
        digest_threshold: int = 5,
        max_attempts: int = 6,
        retry_base: float = 2.0,
        batch: int = 1000,
    ) -> None:
        self.bot = bot
        self.store = store
        self.flood = FloodControl(limits or FloodLimits())
        self.digest_threshold = digest_threshold
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.batch = batch
        self.sent_messages = 0
        self.last_drain = now_ts()
        self._wake = asyncio.Event()
        self._overall_lock = asyncio.Lock()
        self._stopping = False
        self._recent_429: list[float] = []

    def wake(self) -> None:
        """New alerts were queued: drain now instead of at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Drain until stopped; sleeps until woken or until the next alert could be due."""
        while not self._stopping:
            try:
                await self.drain()
            except Exception:
                log.exception("sender: drain failed; retrying shortly")
            self.last_drain = now_ts()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()

    async def drain(self) -> int:
        """Send every alert that is due and whose chat's limit allows; return messages sent."""
        sent = 0
        while not self._stopping:
            due = self.store.due_alerts(limit=self.batch)
            by_chat: OrderedDict[int, list[Alert]] = OrderedDict()
            for alert in due:
                by_chat.setdefault(alert.chat_id, []).append(alert)
            ready = [c for c in by_chat if self.flood.chat_wait(c) == 0]
            if not ready:
                return sent
            results = await asyncio.gather(*(self._send_chat(c, by_chat[c]) for c in ready))
            sent += sum(results)
            if sum(results) == 0:
                return sent
        return sent

    async def _send_chat(self, chat_id: int, alerts: list[Alert]) -> int:
        """One message to one chat: a digest when many are waiting, else the oldest alert."""
        if len(alerts) > self.digest_threshold:
            stories = {s.id: s for s in self.store.stories_by_ids(a.story_id for a in alerts)}
            items = [(stories[a.story_id], a.topic) for a in alerts if a.story_id in stories]
            texts = format_digest(items)
            batch = alerts
        else:
            alert = alerts[0]
            stories = {s.id: s for s in self.store.stories_by_ids([alert.story_id])}
            story = stories.get(alert.story_id)
            if story is None:  # pruned meanwhile
                self.store.mark_failed([alert.id], error="story no longer stored")
                return 0
            texts = [format_alert(story, topic=alert.topic, reason=alert.reason)]
            batch = [alert]
        ids = [a.id for a in batch]
        count = 0
        for text in texts:
            if not await self._send_one(chat_id, text, batch):
                return count
            count += 1
        self.store.mark_sent(ids)
        return count

    async def _send_one(self, chat_id: int, text: str, batch: list[Alert]) -> bool:
        ids = [a.id for a in batch]
        bucket = self.flood.chat(chat_id)
        while (wait := bucket.wait_time()) > 0:
            await asyncio.sleep(wait)
        bucket.take()
        # Queue for the overall bucket in order rather than waking every waiter at once.
        async with self._overall_lock:
            while (wait := self.flood.overall.wait_time()) > 0:
                await asyncio.sleep(wait)
            self.flood.overall.take()
        try:
            await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except RetryAfter as exc:
            self._on_429(chat_id, _seconds(exc.retry_after))
            return False
        except ChatMigrated as exc:
            log.info("chat %s moved to %s; its alerts follow", chat_id, exc.new_chat_id)
            self.store.move_chat(chat_id, exc.new_chat_id)
            return False
        except Forbidden as exc:
            log.info("chat %s refuses messages (%s): marked inactive", chat_id, exc.message)
            self._give_up_chat(chat_id, ids, exc.message)
            return False
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                self._give_up_chat(chat_id, ids, exc.message)
            else:
                log.error("chat %s: Telegram refused alert(s) %s: %s", chat_id, ids, exc.message)
                self.store.mark_failed(ids, error=exc.message)
            return False
        except NetworkError as exc:  # timeouts, 5xx, connection errors
            self._retry_later(chat_id, batch, str(exc))
            return False
        except Exception as exc:
            log.exception("chat %s: unexpected error sending alert(s) %s", chat_id, ids)
            self._retry_later(chat_id, batch, repr(exc))
            return False
        self.sent_messages += 1
        return True

    def _on_429(self, chat_id: int, retry_after: float) -> None:
        now = now_ts()
        self._recent_429 = [t for t in self._recent_429 if now - t < 1.0] + [now]
        log.warning("chat %s: 429, waiting %.0f s", chat_id, retry_after)
        self.flood.chat(chat_id).block(retry_after)
        # Several chats refused within a second: the limit hit was the global one.
        if len(self._recent_429) >= 3:
            self.flood.overall.block(retry_after)
        self.store.postpone_chat(chat_id, now + retry_after)

    def _give_up_chat(self, chat_id: int, ids: list[int], reason: str) -> None:
        self.store.set_chat_active(chat_id, False)
        self.store.mark_failed(ids, error=reason)

    def _retry_later(self, chat_id: int, batch: list[Alert], error: str) -> None:
        attempts = max(a.attempts for a in batch) + 1
        ids = [a.id for a in batch]
        if attempts >= self.max_attempts:
            log.error(
                "chat %s: giving up on alert(s) %s after %d tries: %s",
                chat_id,
                ids,
                attempts,
                error,
            )
            self.store.mark_failed(ids, error=error)
            return
        delay = self.retry_base * 2 ** (attempts - 1) * (1 + random.random() / 2)
        log.warning(
            "chat %s: send failed (%s), retry %d in %.1f s", chat_id, error, attempts, delay
        )
        self.store.mark_retry(ids, error=error, next_attempt=now_ts() + delay)
