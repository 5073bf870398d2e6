"""The one gate every message to a chat passes: per-chat limits, then the overall pace.

`Throttle.slot(chat_id, priority)` waits until the chat may receive a message, then queues
for a place in the overall window; replies to commands (priority `REPLY`) go ahead of
queued alerts, so a /subscribe is answered within a second or two even during a fan-out.
`FloodRateLimiter` plugs the same gate into python-telegram-bot, so command replies and
the sender share one budget. Waiting for one chat never holds a place another chat needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from .limits import FloodControl

__all__ = [
    "ALERT",
    "ALREADY_THROTTLED",
    "REPLY",
    "FloodRateLimiter",
    "Throttle",
    "retry_seconds",
    "retryable",
]

log = logging.getLogger(__name__)

REPLY, ALERT = 0, 1  # lower goes first
ALREADY_THROTTLED = "already-throttled"  # rate_limit_args: the caller holds a slot


def retry_seconds(exc: RetryAfter) -> float:
    """A 429's `retry_after` in seconds (python-telegram-bot gives an int or a timedelta)."""
    with warnings.catch_warnings():
        # PTB 22 warns that the int will become a timedelta; both are accepted here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def retryable(exc: BaseException) -> bool:
    """A 5xx, a timeout or a network error: the same request may well succeed later."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


class Throttle:
    """Async waiting over a `FloodControl`; one per bot, shared by replies and alerts."""

    def __init__(self, flood: FloodControl | None = None) -> None:
        self.flood = flood or FloodControl()
        self._queue: list[tuple[int, int, asyncio.Future[float]]] = []
        self._seq = itertools.count()
        self._changed = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    def chat_ready(self, chat_id: int) -> bool:
        return self.flood.chat_wait(chat_id) == 0

    def retry_after(self, chat_id: int, seconds: float) -> bool:
        """Record a 429 for `chat_id`; True if it looked global (everyone waits)."""
        is_global = self.flood.retry_after(chat_id, seconds)
        log.warning(
            "429 for chat %s: %s waits %.0f s", chat_id, "everyone" if is_global else "it", seconds
        )
        self._changed.set()
        return is_global

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int, *, priority: int = ALERT) -> AsyncIterator[None]:
        """Hold the right to send one message to `chat_id` until the answer is back.

        Only a few slots are held at once (`FloodLimits.max_in_flight`).
        """
        chat = self.flood.chat(chat_id)
        while (wait := chat.wait_time()) != 0:
            await asyncio.sleep(0.05 if wait is None else wait)
        chat.begin()
        try:
            granted_at = await self._overall(priority)
        except BaseException:
            chat.end()
            raise
        start = self.flood.overall.resumed(granted_at)  # count from the real start
        try:
            yield
        finally:
            chat.end()
            self.flood.overall.end(start)
            self._changed.set()

    async def _overall(self, priority: int) -> float:
        """Wait for a place in the overall window; returns when it was granted."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (priority, next(self._seq), future))
        self._changed.set()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="throttle")
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.flood.overall.cancel(future.result())  # granted as we were cancelled
                self._changed.set()
            raise

    async def _dispatch(self) -> None:
        """Grant places in the overall window in priority order, as they come free."""
        overall = self.flood.overall
        while self._queue:
            future = self._queue[0][2]
            if future.done():
                heapq.heappop(self._queue)
                continue
            self._changed.clear()
            wait = overall.wait_time()
            if wait == 0:
                heapq.heappop(self._queue)
                future.set_result(overall.begin())
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait)


class FloodRateLimiter(BaseRateLimiter[str]):
    """python-telegram-bot's rate limiter over a `Throttle`, for everything but the sender.

    Calls naming a chat (command replies, admin notices) wait for a slot, replies first. A
    429 waits `retry_after` for that chat (everyone's, if it looked global) and tries again
    up to `max_retries` times; a 5xx, a timeout or a network error is tried again with
    back-off for `patience` seconds, so a reply survives an outage of a minute. Calls made
    with `rate_limit_args=ALREADY_THROTTLED` (the sender's) pass straight through.
    """

    def __init__(
        self,
        throttle: Throttle,
        *,
        max_retries: int = 3,
        patience: float = 75.0,
        retry_first: float = 0.5,
        retry_cap: float = 5.0,
    ) -> None:
        self.throttle = throttle
        self.max_retries = max_retries
        self.patience = patience
        self.retry_first = retry_first
        self.retry_cap = retry_cap

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            chat_id = int(data["chat_id"])
        except (KeyError, TypeError, ValueError):
            chat_id = None  # no chat (getMe, setMyCommands) or an @username
        if chat_id is None or rate_limit_args == ALREADY_THROTTLED:
            return await callback(*args, **kwargs)
        refusals = 0
        delay = self.retry_first
        give_up = time.monotonic() + self.patience
        while True:
            try:
                async with self.throttle.slot(chat_id, priority=REPLY):
                    started = time.monotonic()
                    result = await callback(*args, **kwargs)
                    self.throttle.flood.round_trip(time.monotonic() - started)
                    return result
            except RetryAfter as exc:
                self.throttle.retry_after(chat_id, retry_seconds(exc))
                refusals += 1
                if refusals > self.max_retries:
                    raise
            except Exception as exc:
                if not retryable(exc) or time.monotonic() + delay > give_up:
                    raise
                log.warning(
                    "%s to chat %s failed (%s); trying again in %.1f s",
                    endpoint,
                    chat_id,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(self.retry_cap, delay * 2)
