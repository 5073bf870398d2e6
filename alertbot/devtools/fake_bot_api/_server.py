"""FakeBotApi: the Bot API over real HTTP on 127.0.0.1, plus the test's controls and waiters."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import tornado.web

from alertbot.devtools._loopback import LoopbackServer
from alertbot.devtools.fake_bot_api._flood import FloodLimits
from alertbot.devtools.fake_bot_api._http import DROP_CONNECTION, ApiHandler, FileHandler
from alertbot.devtools.fake_bot_api._methods import call
from alertbot.devtools.fake_bot_api._network import Network, Outage
from alertbot.devtools.fake_bot_api._objects import chat_object, chat_type_for, user_object
from alertbot.devtools.fake_bot_api._records import (
    ApiError,
    SentDocument,
    SentMessage,
    button_data,
    text_of,
)
from alertbot.devtools.fake_bot_api._state import BotState, UploadedFile

__all__ = ["FakeBotApi"]

DEFAULT_TOKEN = "123456:TEST-TOKEN"


class FakeBotApi(LoopbackServer):
    """A fake Telegram Bot API server for python-telegram-bot (`base_url=fake.base_url`).

    Runs in its own thread; every public method is synchronous and thread-safe, except the
    `wait_for*` coroutines, which poll without blocking the caller's event loop.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        port: int = 0,
        limits: FloodLimits | None = FloodLimits(),  # noqa: B008 (frozen, so safe to share)
        bot_username: str = "alertbot_test_bot",
        bot_name: str = "AlertBot Test",
        on_sent: Callable[[SentMessage], None] | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        seed: int = 0,
    ) -> None:
        """`latency` ± `jitter` seconds is each call's round trip (seeded by `seed`)."""
        super().__init__(port=port, name="fake-bot-api")
        self.token = token
        self.network = Network(latency=latency, jitter=jitter, seed=seed)
        self.bot_username = bot_username
        self._state = BotState(token, bot_username=bot_username, bot_name=bot_name, limits=limits)
        self._state.on_update = lambda: self._call_in_loop(self._wake_pollers)
        self._state.on_sent = on_sent
        self._wakeup: asyncio.Event | None = None
        self._poll_generation = 0
        self._revoked = False

    # ---- addresses --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`: python-telegram-bot appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url(...)`, needed to download documents."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- the user's side --------------------------------------------------------------

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        first_name: str = "Tester",
        username: str | None = None,
        title: str | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a message typed by a user (commands get their entity); return its message_id.

        `chat_type` defaults from the id (negative ids are groups); in a private chat the user
        is the chat, elsewhere `user_id` is required. `thread_id` writes it in that thread
        of a forum supergroup.
        """
        chat, sender = self._chat_and_sender(chat_id, user_id, chat_type, first_name, username)
        if title is not None and chat["type"] != "private":
            chat["title"] = title
        if thread_id is not None:
            chat["is_forum"] = True
        return self._state.enqueue_message(chat, sender, text=text, thread_id=thread_id)

    def send_document(
        self,
        chat_id: int,
        file_name: str,
        data: bytes,
        *,
        user_id: int | None = None,
        caption: str | None = None,
        first_name: str = "Tester",
    ) -> int:
        """Queue a message carrying a document the bot can download; return its message_id."""
        chat, sender = self._chat_and_sender(chat_id, user_id, None, first_name, None)
        return self._state.enqueue_message(
            chat, sender, document=(file_name, data), caption=caption
        )

    def send_callback_query(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> int:
        """Queue a press of an inline button under the bot's message; return the update_id."""
        _, sender = self._chat_and_sender(chat_id, user_id, None, "Tester", None)
        return self._state.enqueue_callback_query(chat_id, message_id, data, sender)

    def _chat_and_sender(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str | None,
        first_name: str,
        username: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        chat_type = chat_type or chat_type_for(chat_id)
        if chat_type == "private":
            if chat_id <= 0:
                raise ValueError(f"a private chat has a positive id, not {chat_id}")
            user_id = chat_id if user_id is None else user_id
        elif user_id is None:
            raise ValueError(f"user_id is required for a {chat_type} chat")
        chat = chat_object(chat_id, chat_type, first_name=first_name, username=username)
        return chat, self._state.with_language(user_object(user_id, first_name, username))

    # ---- buttons and languages --------------------------------------------------------

    def set_language(self, user_id: int, language_code: str) -> None:
        """The user's Telegram language_code in their later messages and presses ("en" if unset)."""
        with self._state.lock:
            self._state.user_languages[user_id] = language_code

    def press(self, message: SentMessage, label: str, *, user_id: int | None = None) -> int:
        """Press the inline button labelled `label` (exactly, or the only one containing it)
        under `message`, as the user would; return the update_id of the callback query."""
        data = button_data(message, label)
        return self.send_callback_query(message.chat_id, message.message_id, data, user_id=user_id)

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

    def revoke_token(self) -> None:
        """The token is revoked (as /revoke in @BotFather): every call answers 401 from now on,
        and a waiting getUpdates returns at once so the next one sees it."""
        self._revoked = True
        self._call_in_loop(self._wake_pollers)

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

    # ---- HTTP -------------------------------------------------------------------------

    def _make_app(self) -> tornado.web.Application:
        self._wakeup = asyncio.Event()
        return tornado.web.Application(
            [
                (r"/bot([^/]*)/([A-Za-z0-9_]+)", ApiHandler, {"dispatch": self._dispatch}),
                (r"/file/bot([^/]*)/(.+)", FileHandler, {"download": self._download}),
            ],
            log_function=lambda handler: None,  # access logs would print the token
        )

    def _download(self, token: str, path: str) -> bytes | None:
        return self._state.file_content(path) if token == self.token else None

    def _on_stopping(self) -> None:
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()
            self._wakeup = asyncio.Event()

    async def _dispatch(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request: (HTTP status, JSON body)."""
        with self._answering():
            trip = self.network.round_trip()
            if trip and await self._wait_stopping(trip / 2):  # on its way to Telegram
                return 503, ApiError.http(503).payload()
            outage = self.network.outage_for(method.lower())
            if outage is not None:
                with self._state.lock:
                    self._state.requests_by_method[method] += 1
            if outage is Outage.DROP:
                return DROP_CONNECTION, {}
            if outage is Outage.BAD_GATEWAY:
                answer = 502, ApiError.http(502).payload()
            else:
                answer = await self._answer(token, method, params, files)
            if trip:
                await self._wait_stopping(trip / 2)  # the answer on its way back
            return answer

    async def _answer(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        name = method.lower()
        with self._state.lock:
            self._state.requests_by_method[method] += 1
        try:
            if token != self.token or self._revoked:
                raise ApiError(401, "Unauthorized")
            hang, fail = self._state.take_fault(name)
            if hang and await self._wait_stopping(hang):
                raise ApiError.http(503)
            if fail is not None:
                raise _injected_error(fail, self._state)
            if name == "getupdates":
                result = await self._get_updates(params)
            else:
                result = call(self._state, name, params, files)
        except ApiError as exc:
            return exc.status, exc.payload()
        return 200, {"ok": True, "result": result}

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        """Long poll: answer as soon as updates exist, or after `timeout` seconds."""
        self._state.record("getupdates", params)
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poll is answered 409, as Telegram does
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            if self._revoked:
                raise ApiError(401, "Unauthorized")
            updates = self._state.take_updates(params)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or self._stopping:
                return updates
            wakeup = self._wakeup
            assert wakeup is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), min(remaining, 1.0))
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )


def _injected_error(status: int, state: BotState) -> ApiError:
    if status == 429:
        with state.lock:
            state.count_429 += 1
        return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    return ApiError.http(status)
