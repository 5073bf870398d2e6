"""The test's side of the fake: chat configuration, injected faults, records and waiters.

A mixin of FakeBotApi: everything here reads or changes the state under its lock (or the
network switch), so the test's thread may call it while the server's thread answers.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from alertbot.devtools.fake_bot_api._flood import FloodLimits
from alertbot.devtools.fake_bot_api._network import Network, Outage
from alertbot.devtools.fake_bot_api._records import SentDocument, SentMessage, text_of
from alertbot.devtools.fake_bot_api._state import BotState

__all__ = ["Controls"]


class Controls:
    """Configure the fake Telegram and read back what the bot did; `wait_for*` poll."""

    _state: BotState
    network: Network

    # ---- answers to presses and single messages ----------------------------------------

    def callback_answer(self, update_id: int) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery for that press (None if not answered yet)."""
        with self._state.lock:
            query_id = self._state.callback_ids.get(update_id)
            return self._state.callback_answers.get(query_id) if query_id else None

    async def wait_for_callback_answer(self, update_id: int, timeout: float = 10) -> dict[str, Any]:
        """Wait until the bot answered that press; return the answer's parameters."""
        await self.wait_for(
            lambda: self.callback_answer(update_id) is not None,
            timeout,
            what=f"the answer to callback query of update {update_id}",
        )
        answer = self.callback_answer(update_id)
        assert answer is not None
        return answer

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """The latest version of one message the bot sent."""
        with self._state.lock:
            return next(
                m
                for m in self._state.messages
                if (m.chat_id, m.message_id) == (chat_id, message_id)
            )

    # ---- configuration ----------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        """Sending to the chat answers 403 Forbidden (user blocked the bot / bot kicked)."""
        with self._state.lock:
            self._state.blocked.add(chat_id)

    def set_chat_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """Who administers a group: getChatMember answers "creator" for them, else "member"."""
        with self._state.lock:
            self._state.chat_admins[chat_id] = set(user_ids)

    def add_channel(
        self, chat_id: int, username: str, *, admins: set[int], bot_may_post: bool = True
    ) -> None:
        """A public channel @username: its admins, and whether the bot is an admin that posts."""
        with self._state.lock:
            self._state.chats[chat_id] = {
                "id": chat_id,
                "type": "channel",
                "title": f"Channel {username}",
                "username": username,
            }
            self._state.chat_admins[chat_id] = set(admins)
            self._state.bot_rights[chat_id] = bot_may_post

    def unblock(self, chat_id: int) -> None:
        with self._state.lock:
            self._state.blocked.discard(chat_id)

    def forget(self, chat_id: int) -> None:
        """Sending to the chat answers 400 "chat not found"."""
        with self._state.lock:
            self._state.forgotten.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sending to the old id answers migrate_to_chat_id."""
        with self._state.lock:
            self._state.migrated[chat_id] = new_chat_id

    def set_limits(self, limits: FloodLimits | None) -> None:
        """Change the flood limits (None disables them); the counts start afresh."""
        with self._state.lock:
            self._state.flood.reset(limits)

    def fail_next(self, n: int = 1, status: int = 502, *, method: str = "sendMessage") -> None:
        """Answer the next `n` calls of `method` with HTTP `status` (nothing is delivered)."""
        with self._state.lock:
            self._state.fails.setdefault(method.lower(), deque()).extend([status] * n)

    def outage(
        self, on: bool = True, *, drop: bool = False, methods: Iterable[str] | None = None
    ) -> None:
        """While on, every call (or every call of `methods`) fails: HTTP 502, or with
        `drop` the connection is closed without an answer. Nothing is delivered meanwhile."""
        self.network.set_outage(
            (Outage.DROP if drop else Outage.BAD_GATEWAY) if on else None, methods
        )

    def hang_next(self, n: int, seconds: float, *, method: str = "sendMessage") -> None:
        """Wait `seconds` before handling each of the next `n` calls of `method`."""
        with self._state.lock:
            self._state.hangs.setdefault(method.lower(), deque()).extend([seconds] * n)

    # ---- what happened ----------------------------------------------------------------

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (latest versions of edited ones), oldest first."""
        with self._state.lock:
            return [m for m in self._state.messages if chat_id is None or m.chat_id == chat_id]

    def documents(self, chat_id: int | None = None) -> list[SentDocument]:
        with self._state.lock:
            return [d for d in self._state.documents if chat_id is None or d.chat_id == chat_id]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Decoded parameters of every call of `method` (any spelling case), oldest first."""
        with self._state.lock:
            return list(self._state.calls.get(method.lower(), []))

    @property
    def count_429(self) -> int:
        with self._state.lock:
            return self._state.count_429

    @property
    def requests_by_method(self) -> dict[str, int]:
        with self._state.lock:
            return dict(self._state.requests_by_method)

    @property
    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet (getUpdates with a higher offset)."""
        with self._state.lock:
            return len(self._state.updates)

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._state.lock:
            return self._state.webhook

    def clear(self) -> None:
        """Forget what was sent and counted (not the chat configuration or queued updates)."""
        with self._state.lock:
            self._state.messages.clear()
            self._state.documents.clear()
            self._state.calls.clear()
            self._state.requests_by_method.clear()
            self._state.count_429 = 0
            self._state.flood.reset(self._state.flood.limits)

    async def wait_for(
        self, predicate: Callable[[], object], timeout: float = 10, *, what: str = "condition"
    ) -> None:
        """Poll `predicate()` until true; AssertionError listing what was sent on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; {self._summary()}"
                )
            await asyncio.sleep(0.02)

    async def wait_for_messages(
        self, chat_id: int, n: int = 1, timeout: float = 10
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least `n` messages to `chat_id`; return them all."""
        await self.wait_for(
            lambda: len(self.messages(chat_id)) >= n,
            timeout,
            what=f"{n} message(s) to chat {chat_id}",
        )
        return self.messages(chat_id)

    def _summary(self) -> str:
        sent = self.messages()
        lines = [f"  chat {m.chat_id}: {text_of(m)[:200]!r}" for m in sent[-20:]]
        head = f"the bot sent {len(sent)} message(s)" + (" (last 20):" if len(sent) > 20 else ":")
        notes = f"{self.pending_updates} update(s) not yet fetched, {self.count_429} answered 429"
        return "\n".join([head, *lines, notes]) if lines else f"the bot sent no messages; {notes}"
