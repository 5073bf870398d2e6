"""The sender's writes to the outbox, kept when the database refuses them, and retried.

What Telegram accepted must be recorded, or a restart sends it again. When a write fails
(disk full, read-only, locked, the file gone) the write is kept in memory, in order, and
retried with back-off until it succeeds; meanwhile `problem` says why, the sender sends
nothing new, and the alerts already sent are remembered in `sent` so none goes twice.
The admins hear once when it starts and once when it is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from .format import ENGLISH_UTC, Texts

__all__ = ["AdminNotices", "Notice", "Recorder", "storage_error", "texts_for"]

log = logging.getLogger(__name__)


def storage_error(exc: BaseException) -> bool:
    """SQLite could not read or write (full, read-only, locked, I/O, corrupt): not a bug."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
    )


class Recorder:
    """Runs outbox writes; a failed one waits, with the ones after it, for the disk to recover."""

    def __init__(
        self,
        *,
        notify: Callable[[Notice], None] = lambda say: None,
        retry_first: float = 0.5,
        retry_cap: float = 30.0,
    ) -> None:
        self.notify = notify
        self.retry_first = retry_first
        self.retry_cap = retry_cap
        self.problem: str | None = None
        self.sent: set[int] = set()  # alerts Telegram accepted whose "sent" is not yet written
        self._waiting: list[tuple[Callable[[], object], frozenset[int]]] = []
        self._since = 0.0
        self._retrying: asyncio.Task[None] | None = None
        self._read_problem: str | None = None

    @property
    def paused(self) -> bool:
        return self.problem is not None

    def write(self, write: Callable[[], object], *, sent: Iterable[int] = ()) -> None:
        """Run `write` now, or keep it for later (after the writes already waiting)."""
        sent_ids = frozenset(sent)
        if self._waiting:
            self._keep(write, sent_ids)
            return
        try:
            write()
        except Exception as exc:
            if not storage_error(exc):
                raise
            self._keep(write, sent_ids)
            self._start(f"the database cannot be written: {exc}")

    def read_failed(self, exc: BaseException) -> None:
        """Reading the outbox failed: nothing can be sent until it works again."""
        self._read_problem = f"the database cannot be read: {exc}"
        if self.problem is None:
            self._start(self._read_problem)

    def read_ok(self) -> None:
        if self._read_problem is not None:
            self._read_problem = None
            if not self._waiting:
                self._end()

    async def close(self) -> None:
        """Stop retrying; one last try, and say what is lost (it goes again after a restart)."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
        self._flush()
        if self._waiting:
            lost = sum(len(ids) for _, ids in self._waiting)
            log.error(
                "stopping with %d outbox write(s) not done: %d sent alert(s) go again "
                "after a restart",
                len(self._waiting),
                lost,
            )

    def _keep(self, write: Callable[[], object], sent: frozenset[int]) -> None:
        self._waiting.append((write, sent))
        self.sent |= sent

    def _start(self, problem: str) -> None:
        if self.problem is None:
            self._since = time.monotonic()
            log.error("sending paused: %s; trying again by itself", problem)
            self.notify(
                lambda t: t.gettext(
                    "⚠️ Alerts paused: {problem}. Nothing is sent until it works again; "
                    "the bot retries by itself (/healthz says 503 meanwhile)."
                ).format(problem=problem)
            )
        self.problem = problem
        if self._waiting and (self._retrying is None or self._retrying.done()):
            self._retrying = asyncio.create_task(self._retry(), name="outbox-retry")

    def _end(self) -> None:
        paused = time.monotonic() - self._since
        log.warning("the database works again: sending resumes after %.0f s", paused)
        self.problem = None
        self.notify(
            lambda t: t.gettext(
                "✅ Alerts resumed: the database works again (paused for {seconds} s)."
            ).format(seconds=f"{paused:.0f}")
        )

    def _flush(self) -> bool:
        """Run the waiting writes in order; True when none is left."""
        while self._waiting:
            write, sent = self._waiting[0]
            try:
                write()
            except Exception as exc:
                if not storage_error(exc):
                    log.exception("an outbox write failed for good; dropped")
                else:
                    self.problem = f"the database cannot be written: {exc}"
                    return False
            self._waiting.pop(0)
            self.sent -= sent
        return True

    async def _retry(self) -> None:
        delay = self.retry_first
        while True:
            await asyncio.sleep(delay)
            if self._flush():
                if self._read_problem is None:
                    self._end()
                else:
                    self.problem = self._read_problem
                return
            delay = min(self.retry_cap, delay * 2)


class _Bot(Protocol):
    async def send_message(self, chat_id: int, text: str) -> object: ...


# A notice that says itself in the reader's language.
Notice = Callable[[Texts], str]


def texts_for(lookup: Callable[[int], Texts] | None, chat_id: int) -> Texts:
    """The chat's language; English when there is no lookup or it fails (a notice about a
    broken database cannot wait for that database)."""
    if lookup is not None:
        try:
            return lookup(chat_id)
        except Exception as exc:
            log.debug("chat %s: language unknown (%s), notice in English", chat_id, exc)
    return ENGLISH_UTC.t


class AdminNotices:
    """`notices(say)` tells every admin, each in their chat's language, in the background;
    a failure is logged, not raised.

    Sent as any reply is (python-telegram-bot's rate limiter), so they wait their turn.
    """

    def __init__(
        self,
        bot: _Bot,
        admin_ids: Iterable[int],
        texts_for: Callable[[int], Texts] | None = None,
    ) -> None:
        self.bot = bot
        self.admin_ids = tuple(sorted(admin_ids))
        self.texts_for = texts_for
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, say: Notice) -> None:
        if not self.admin_ids:
            return
        task = asyncio.create_task(self._send(say), name="admin-notice")
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

    async def _send(self, say: Notice) -> None:
        for admin_id in self.admin_ids:
            try:
                await self.bot.send_message(admin_id, say(texts_for(self.texts_for, admin_id)))
            except Exception as exc:  # an admin who blocked the bot must not stop the others
                log.warning("could not tell admin %s: %s", admin_id, exc)

    async def close(self, timeout: float = 2.0) -> None:
        """Let notices on their way finish for a moment, then drop them."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        for task in list(self._tasks):
            task.cancel()
