"""Updates handled concurrently across chats, in order within one chat, floods cut short.

python-telegram-bot hands every update to `do_process_update` in its own task. Each chat has
a lock, so one chat's commands run one after the other (a reply waiting for that chat's
1-message-a-second budget holds up only that chat), while other chats go on at once. A chat
over the `ChatFlood` limit gets one "slow down" reply; its queued and later updates are
dropped until its pause ends, and so is everything not yet started once the bot is stopping,
so SIGTERM is never kept waiting by a queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from ..i18n import language_for_code, translator
from .chat_flood import ChatFlood, Verdict
from .replies import escape, reply

__all__ = ["MAX_CONCURRENT_UPDATES", "PerChatProcessor"]

log = logging.getLogger(__name__)

# Updates in progress at once, all chats together (a flooding chat holds at most its limit).
MAX_CONCURRENT_UPDATES = 256


def _close(coroutine: Awaitable[Any]) -> None:
    """Drop an update: close its coroutine so Python does not warn it was never awaited."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


def _counted(update: Update) -> bool:
    """What a person sends on purpose: anything in a private chat, commands in a group."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    return bool(message and message.text and message.text.startswith("/"))


class PerChatProcessor(BaseUpdateProcessor):
    """A lock per chat, the flood limit, and dropping what waits once the bot stops."""

    def __init__(
        self,
        *,
        commands_per_window: int = 20,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        on_update: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.flood = ChatFlood(limit=commands_per_window)
        self.on_update = on_update  # every update that arrives (webhook health)
        self.is_running: Callable[[], bool] = lambda: True
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # tasks holding or waiting for each lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.on_update is not None:
            self.on_update()
        if not isinstance(update, Update) or update.effective_chat is None:
            await coroutine
            return
        chat = update.effective_chat
        verdict = Verdict.ADMIT
        if _counted(update):
            verdict = self.flood.admit(chat.id, time.monotonic())
        elif self.flood.ignored(chat.id, time.monotonic()):
            verdict = Verdict.DROP
        if verdict is Verdict.DROP or not self.is_running():
            _close(coroutine)
            return
        if verdict is Verdict.WARN:
            log.warning(
                "chat %s sent more than %d commands in %.0f s: ignored for %.0f s",
                chat.id,
                self.flood.limit,
                self.flood.window,
                self.flood.pause,
            )
        await self._in_turn(chat.id, update, coroutine, verdict)

    async def _in_turn(
        self, chat_id: int, update: Update, coroutine: Awaitable[Any], verdict: Verdict
    ) -> None:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                if verdict is Verdict.WARN:
                    _close(coroutine)
                    if self.is_running():
                        await self._slow_down(chat_id, update)
                elif self.flood.ignored(chat_id, time.monotonic()) or not self.is_running():
                    _close(coroutine)  # queued before the chat was cut off, or stopping
                else:
                    await coroutine
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]

    async def _slow_down(self, chat_id: int, update: Update) -> None:
        minutes = max(1, round(self.flood.pause / 60))
        # No store lookups here (the processor sits before the handlers): the sender's language.
        user = update.effective_user
        t = translator(language_for_code(user.language_code if user else None))
        said = t.ngettext(
            "🐢 Slow down: more than {limit} commands in {seconds} seconds. "
            "I will ignore this chat for {n} minute.",
            "🐢 Slow down: more than {limit} commands in {seconds} seconds. "
            "I will ignore this chat for {n} minutes.",
            minutes,
        ).format(limit=self.flood.limit, seconds=f"{self.flood.window:.0f}", n=minutes)
        try:
            await reply(update, escape(said))
        except Exception:
            log.warning("could not tell chat %s to slow down", chat_id, exc_info=True)

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates come."""

    async def shutdown(self) -> None:
        """Nothing to free: every lock goes with the last update that used it."""
