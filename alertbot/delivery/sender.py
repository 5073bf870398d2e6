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
import functools
import logging
import time
from collections.abc import Callable, Iterable, Sequence

from telegram import Bot

from ..models import Alert
from ..store import Store, now_ts
from .compose import Composer, Recipient
from .post import Outcome, Post
from .recorder import AdminNotices, Recorder, storage_error
from .throttle import Throttle
from .timing import ready_at, release_after

__all__ = ["Sender"]

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a request in flight may take to be answered as the bot stops


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
        self.notices = AdminNotices(bot, admin_ids, self.composer.texts_for)
        self.recorder = recorder or Recorder()
        self.recorder.notify = self.notices
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self.post = Post(
            bot,
            store,
            self.throttle,
            self.recorder,
            alert_expiry=alert_expiry,
            retry_base=retry_base,
            retry_cap=retry_cap,
            send_timeout=send_timeout,
            on_chat_moved=on_chat_moved,
            wake=self._wake.set,
        )
        self._stopping = False
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._held_back = False  # a due chat waited for its own limit at the last look

    @property
    def sent_messages(self) -> int:
        return self.post.sent_messages

    @property
    def observe_send(self) -> Callable[[float], None]:
        """The metrics hook: called with each send's round trip in seconds."""
        return self.post.observe_send

    @observe_send.setter
    def observe_send(self, hook: Callable[[float], None]) -> None:
        self.post.observe_send = hook

    @property
    def problem(self) -> str | None:
        """Why nothing is being sent (the database cannot be written), or None."""
        return self.recorder.problem

    def wake(self) -> None:
        """New alerts were queued: look now instead of at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        """No new message starts; `run` ends once the requests in flight are answered."""
        self._stopping = True
        self.post.stopping = True
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
            # A message Telegram may have now is let finish and recorded (cut short, it
            # would go twice after the restart); the rest stays pending in the outbox.
            in_flight = [t for chat, t in self._busy.items() if chat in self.post.in_request]
            waiting = [t for t in self._busy.values() if t not in in_flight]
            for task in waiting:
                task.cancel()
            if in_flight:
                await asyncio.wait(in_flight, timeout=STOP_GRACE)
            tasks = list(self._busy.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, *waiting, return_exceptions=True)
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
                if self.recorder.paused or self._stopping:
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
        outcome = await self.post.send(chat_id, text, [alert], keyboard, previews=to.previews)
        if outcome is Outcome.SENT:
            self._record(lambda: self.store.mark_sent([alert.id]), sent=[alert.id])
        return outcome is not Outcome.STOP and not self.recorder.paused

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
            outcome = await self.post.send(chat_id, text, batch)
            if outcome is Outcome.STOP:
                return False
            if outcome is Outcome.SENT:  # part by part, so a retry resends only the rest
                ids = [a.id for a in batch]
                self._record(functools.partial(self.store.mark_sent, ids), sent=ids)
            done += count
            if self.recorder.paused:
                return False
        return True


def _why_digest(to: Recipient, alerts: list[Alert]) -> str | None:
    """Why these alerts go as one digest whatever their number, or None (they need not)."""
    oldest, chat = alerts[0].created_at, to.chat
    if chat is not None and chat.muted_until is not None and oldest < chat.muted_until:
        return "muted" if len(alerts) > 1 else None  # they waited through /mute
    if to.plan.digests_only:
        return to.plan.mode  # "hourly" or "daily", even for one story
    held = release_after(to.plan, oldest.timestamp()) > oldest.timestamp()
    return "quiet" if held and len(alerts) > 1 else None
