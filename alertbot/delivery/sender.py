"""The one sender: drains the alerts outbox into Telegram under flood limits.

The outbox is the database, so a crash loses nothing: an alert is marked sent only after
Telegram accepted it, and only the messages in flight (at most `max_in_flight`, 5) can go
twice. What cannot be recorded is not sent: when the database refuses a write, sending
pauses until it works again (`problem` says why). 5xx answers, timeouts and network errors
are retried with capped back-off for as long as the alert is news (`alert_expiry`). Each
chat has its own task, at most one at a time: a blocked, migrated, slow or failing chat
never holds up the others. When many alerts wait for one chat — or alerts piled up while
it was muted — they go as one digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from ..models import Alert
from ..store import Store, now_ts
from .compose import Composer, Recipient
from .recorder import AdminNotices, Recorder, storage_error
from .retry import next_try
from .throttle import ALERT, ALREADY_THROTTLED, Throttle, retry_seconds
from .timing import ready_at, release_after

__all__ = ["Sender"]

log = logging.getLogger(__name__)

# Telegram's words for a chat that is gone for good (besides any 403).
_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


class _Outcome(enum.Enum):
    SENT = "sent"
    STOP = "stop"  # this chat is done for now (waiting, moved, gone or retrying)
    FAILED = "failed"  # Telegram refused this message for good; the chat may go on


class Sender:
    """Drains the outbox: `run()` until `stop()`; `wake()` when new alerts were queued."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        *,
        throttle: Throttle | None = None,
        digest_threshold: int = 5,
        alert_expiry: float = 24 * 3600.0,
        retry_base: float = 2.0,
        retry_cap: float = 180.0,
        concurrency: int = 100,
        send_timeout: float | None = None,
        on_chat_moved: Callable[[Sequence[int], int], None] | None = None,
        admin_ids: Iterable[int] = (),
        recorder: Recorder | None = None,
        composer: Composer | None = None,
        clock: Callable[[], float] = now_ts,
    ) -> None:
        self.bot = bot
        self.store = store
        self.composer = composer or Composer(store)
        self.clock = clock  # when alerts fall due: digests' slots, quiet hours, expiry
        self.throttle = throttle or Throttle()
        self.digest_threshold = digest_threshold
        self.alert_expiry = alert_expiry
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.notices = AdminNotices(bot, admin_ids, self.composer.texts_for)
        self.recorder = recorder or Recorder()
        self.recorder.notify = self.notices
        self.concurrency = concurrency
        self.send_timeout = send_timeout
        self.on_chat_moved = on_chat_moved
        self.sent_messages = 0
        self.observe_send: Callable[[float], None] = lambda seconds: None  # metrics hook
        self._wake = asyncio.Event()
        self._stopping = False
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._held_back = False  # a due chat waited for its own limit at the last look
        # The sender's calls are throttled here, not again by the bot's rate limiter.
        self._limiter_args: dict[str, Any] = (
            {"rate_limit_args": ALREADY_THROTTLED}
            if getattr(bot, "rate_limiter", None) is not None
            else {}
        )

    @property
    def problem(self) -> str | None:
        """Why nothing is being sent (the database cannot be written), or None."""
        return self.recorder.problem

    def wake(self) -> None:
        """New alerts were queued: look now instead of at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Start chat tasks as alerts fall due; sleeps until woken or for a second."""
        try:
            while not self._stopping:
                try:
                    self._launch()
                except Exception as exc:
                    if storage_error(exc):
                        self.recorder.read_failed(exc)
                    else:
                        log.exception("sender: could not read the outbox; retrying shortly")
                # A chat held back by its own limit is ready again within a fraction of a second.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.1 if self._held_back else 1.0)
                self._wake.clear()
        finally:
            # What is cut short stays pending in the outbox and goes after a restart.
            tasks = list(self._busy.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.recorder.close()
            await self.notices.close()

    async def drain(self, timeout: float = 60.0) -> int:
        """Send everything due now and wait for it (tests, benchmarks); returns messages."""
        before = self.sent_messages
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._launch()
            if self._busy:
                await asyncio.wait(list(self._busy.values()), return_when=asyncio.FIRST_COMPLETED)
            elif self.store.due_chats(self.clock(), limit=1):
                await asyncio.sleep(0.05)  # a chat's own limit holds it back a moment
            else:
                break
        return self.sent_messages - before

    def _launch(self) -> None:
        free = self.concurrency - len(self._busy)
        if free <= 0 or self._stopping or self.recorder.paused:
            if self.recorder.paused:
                self.store.due_chats(self.clock(), limit=1)  # can it be read again?
                self.recorder.read_ok()
            return
        # Look past the first few: the chats that just got a message wait their own turn.
        due = self.store.due_chats(self.clock(), limit=4 * self.concurrency)
        self.recorder.read_ok()
        self._held_back = False
        for chat_id in due:
            if len(self._busy) >= self.concurrency:
                break
            if chat_id in self._busy:
                continue
            if not self.throttle.chat_ready(chat_id):
                self._held_back = True
                continue
            task = asyncio.create_task(self._deliver(chat_id), name=f"send-{chat_id}")
            self._busy[chat_id] = task
            task.add_done_callback(functools.partial(self._finished, chat_id))

    def _finished(self, chat_id: int, task: asyncio.Task[None]) -> None:
        self._busy.pop(chat_id, None)
        # Refill in batches rather than query the outbox after every message.
        if len(self._busy) <= self.concurrency // 2:
            self._wake.set()

    async def _deliver(self, chat_id: int) -> None:
        """Send what is due for one chat, a few messages at most, then let others go."""
        try:
            for _ in range(max(1, self.digest_threshold)):
                if self.recorder.paused:
                    return
                alerts = [
                    a
                    for a in self.store.chat_due_alerts(chat_id, self.clock(), limit=1000)
                    if a.id not in self.recorder.sent
                ]
                to = self.composer.recipient(chat_id)
                alerts = self._drop_expired(to, alerts)
                if not alerts or not await self._send_next(to, alerts):
                    return
        except Exception as exc:
            if storage_error(exc):
                self.recorder.read_failed(exc)
            else:
                log.exception("chat %s: delivery failed; its alerts stay queued", chat_id)

    def _drop_expired(self, to: Recipient, alerts: list[Alert]) -> list[Alert]:
        """Alerts older than `alert_expiry` are no longer news: expired, never sent. (A digest
        counts from its slot: a daily digest's morning story is still news at the next one.)"""
        oldest, chat_id = self.clock() - self.alert_expiry, to.chat_id
        expired = {
            a.id for a in alerts if release_after(to.plan, a.created_at.timestamp()) <= oldest
        }
        if expired:
            log.warning("chat %s: %d alert(s) no longer news, not sent", chat_id, len(expired))
            self._record(lambda: self.store.mark_expired(sorted(expired), error="no longer news"))
        return [a for a in alerts if a.id not in expired]

    def _record(self, write: Callable[[], object], *, sent: Iterable[int] = ()) -> None:
        self.recorder.write(write, sent=sent)

    async def _send_next(self, to: Recipient, alerts: list[Alert]) -> bool:
        """One alert, or all of them as a digest; False when the chat must wait."""
        chat_id = to.chat_id
        now, oldest = self.clock(), alerts[0].created_at.timestamp()
        ready = ready_at(to.plan, oldest, now)
        if ready > now:  # a digest's slot or the end of quiet hours: wait, counting no try
            self._record(lambda: self.store.postpone_chat(chat_id, ready))
            return False
        # A forum chat's threads each get their own messages (digests included).
        alerts = [a for a in alerts if a.thread_id == alerts[0].thread_id]
        why = _why_digest(to, alerts)
        # More than the chat may receive at once would trickle in at its own pace: one digest.
        at_once = max(1, min(self.digest_threshold, self.throttle.flood.chat_room(chat_id)))
        if why is not None or len(alerts) > at_once:
            return await self._send_digest(to, alerts, why or "")
        alert = alerts[0]
        story = next(iter(self.store.stories_by_ids([alert.story_id])), None)
        if story is None:  # pruned meanwhile
            self._record(lambda: self.store.mark_failed([alert.id], error="story gone"))
            return True
        extra = self.store.extra_sources([story.id]).get(story.id, 0)
        text, keyboard = self.composer.alert(to, alert, story, extra)
        outcome = await self._send(chat_id, text, [alert], keyboard, previews=to.previews)
        if outcome is _Outcome.SENT:
            self._record(lambda: self.store.mark_sent([alert.id]), sent=[alert.id])
        return outcome is not _Outcome.STOP and not self.recorder.paused

    async def _send_digest(self, to: Recipient, alerts: list[Alert], why: str) -> bool:
        chat_id = to.chat_id
        stories = {s.id: s for s in self.store.stories_by_ids(a.story_id for a in alerts)}
        missing = [a.id for a in alerts if a.story_id not in stories]
        if missing:
            self._record(lambda: self.store.mark_failed(missing, error="story gone"))
        alerts = [a for a in alerts if a.story_id in stories]
        if not alerts:
            return True
        parts = self.composer.digest(
            to,
            [(stories[a.story_id], a.topic) for a in alerts],
            self.store.extra_sources(stories),
            why=why,
        )
        done = 0
        for text, count in parts:
            batch = alerts[done : done + count]
            outcome = await self._send(chat_id, text, batch)
            if outcome is _Outcome.STOP:
                return False
            if outcome is _Outcome.SENT:  # part by part, so a retry resends only the rest
                ids = [a.id for a in batch]
                self._record(functools.partial(self.store.mark_sent, ids), sent=ids)
            done += count
            if self.recorder.paused:
                return False
        return True

    async def _send(
        self,
        chat_id: int,
        text: str,
        batch: list[Alert],
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        previews: bool = False,
    ) -> _Outcome:
        """One message; every Telegram answer but success is settled here."""
        ids = [a.id for a in batch]
        timeouts: dict[str, Any] = (
            {"read_timeout": self.send_timeout, "write_timeout": self.send_timeout}
            if self.send_timeout is not None
            else {}
        )
        if self.recorder.paused:
            return _Outcome.STOP  # what Telegram accepts now could not be recorded
        try:
            async with self.throttle.slot(chat_id, priority=ALERT):
                if self.recorder.paused:  # it broke while this waited for its turn
                    return _Outcome.STOP
                started = time.monotonic()
                await self.bot.send_message(
                    chat_id,
                    text,
                    message_thread_id=batch[0].thread_id if batch else None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    link_preview_options=LinkPreviewOptions(is_disabled=not previews),
                    **timeouts,
                    **self._limiter_args,
                )
                elapsed = time.monotonic() - started
                self.throttle.flood.round_trip(elapsed)  # a sample of the network's jitter
                self.observe_send(elapsed)
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self.throttle.retry_after(chat_id, seconds)
            until = now_ts() + seconds
            self._record(lambda: self.store.postpone_chat(chat_id, until))
            return _Outcome.STOP
        except ChatMigrated as exc:
            new_id = int(exc.new_chat_id)
            log.info("chat %s moved to %s; its subscriptions and alerts follow", chat_id, new_id)
            self._record(lambda: self._move_chat(chat_id, new_id))
            self._wake.set()
            return _Outcome.STOP
        except Forbidden as exc:
            self._give_up_chat(chat_id, exc.message)
            return _Outcome.STOP
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            if any(words in exc.message.lower() for words in _GONE):
                self._give_up_chat(chat_id, exc.message)
                return _Outcome.STOP
            refusal = exc.message
            log.error("chat %s: Telegram refused alert(s) %s: %s", chat_id, ids, refusal)
            self._record(lambda: self.store.mark_failed(ids, error=refusal))
            return _Outcome.FAILED
        except NetworkError as exc:  # timeouts, 5xx, connection errors
            self._retry_later(chat_id, batch, str(exc) or type(exc).__name__)
            return _Outcome.STOP
        except Exception as exc:
            log.exception("chat %s: unexpected error sending alert(s) %s", chat_id, ids)
            self._retry_later(chat_id, batch, repr(exc))
            return _Outcome.STOP
        self.sent_messages += 1
        return _Outcome.SENT

    def _move_chat(self, chat_id: int, new_id: int) -> None:
        moved = self.store.move_chat(chat_id, new_id)
        if self.on_chat_moved is not None:
            self.on_chat_moved(moved, new_id)

    def _give_up_chat(self, chat_id: int, reason: str) -> None:
        log.info("chat %s refuses messages (%s): inactive until it writes", chat_id, reason)
        self._record(lambda: self.store.give_up_chat(chat_id, error=reason))

    def _retry_later(self, chat_id: int, batch: list[Alert], error: str) -> None:
        attempts = max(a.attempts for a in batch) + 1
        ids = [a.id for a in batch]
        created = min(a.created_at.timestamp() for a in batch)
        when = next_try(
            attempts,
            now=now_ts(),
            created=created,
            expiry=self.alert_expiry,
            base=self.retry_base,
            cap=self.retry_cap,
            rand=random.random(),
        )
        if when is None:
            log.error("chat %s: alert(s) %s no longer news, not sent: %s", chat_id, ids, error)
            self._record(lambda: self.store.mark_expired(ids, error=error))
            return
        log.warning(
            "chat %s: send failed (%s), try %d in %.1f s",
            chat_id,
            error,
            attempts + 1,
            when - now_ts(),
        )
        self._record(lambda: self.store.mark_retry(ids, error=error, next_attempt=when))


def _why_digest(to: Recipient, alerts: list[Alert]) -> str | None:
    """Why these alerts go as one digest whatever their number, or None (they need not)."""
    oldest, chat = alerts[0].created_at, to.chat
    if chat is not None and chat.muted_until is not None and oldest < chat.muted_until:
        return "muted" if len(alerts) > 1 else None  # they waited through /mute
    if to.plan.digests_only:
        return to.plan.mode  # "hourly" or "daily", even for one story
    held = release_after(to.plan, oldest.timestamp()) > oldest.timestamp()
    return "quiet" if held and len(alerts) > 1 else None
