"""The fake Telegram's state: chats, queued updates, what the bot sent, files, settings.

Shared by the server's thread (Bot API methods) and the test's thread, so everything is
guarded by one re-entrant lock. Nothing here does I/O or waits.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alertbot.devtools.fake_bot_api._flood import FloodControl, FloodLimits
from alertbot.devtools.fake_bot_api._objects import (
    chat_object,
    chat_type_for,
    command_entities,
    user_object,
)
from alertbot.devtools.fake_bot_api._records import (
    ApiError,
    SentDocument,
    SentMessage,
    text_of,
)

__all__ = ["BotState", "UploadedFile", "now", "timestamp"]

UploadedFile = tuple[str | None, bytes, str | None]  # file name, content, content type


class BotState:
    """Chats, queued updates, sent messages, files, configuration and counters."""

    def __init__(
        self, token: str, *, bot_username: str, bot_name: str, limits: FloodLimits | None
    ) -> None:
        self.lock = threading.RLock()
        self.token = token
        number = token.split(":", 1)[0]
        self.bot_user = {
            **user_object(
                int(number) if number.isdigit() else 1, bot_name, bot_username, is_bot=True
            ),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.flood = FloodControl(limits)
        self.updates: list[dict[str, Any]] = []
        self.messages: list[SentMessage] = []
        self.documents: list[SentDocument] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.chat_admins: dict[int, set[int]] = {}  # group id -> its administrators
        self.bot_rights: dict[int, bool] = {}  # channel id -> whether the bot may post there
        self.forgotten: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}  # file_id -> (File, content)
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[str, Any] = {}
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self.requests_by_method: Counter[str] = Counter()
        self.count_429 = 0
        self.fails: dict[str, deque[int]] = {}
        self.hangs: dict[str, deque[float]] = {}
        self.on_update: Callable[[], None] | None = None
        self.on_sent: Callable[[SentMessage], None] | None = None
        self._ids: Counter[str] = Counter()
        self.init_buttons()

    def next_id(self, kind: str) -> int:
        """1, 2, 3… for each kind of id (update, message, file, callback)."""
        with self.lock:
            self._ids[kind] += 1
            return self._ids[kind]

    def record(self, method: str, params: dict[str, Any]) -> None:
        with self.lock:
            self.calls.setdefault(method, []).append(params)

    # ---- the Bot API side -------------------------------------------------------------

    def take_fault(self, method: str) -> tuple[float, int | None]:
        """Seconds to hang and the status to fail with, for the next call of `method`."""
        with self.lock:
            hangs, fails = self.hangs.get(method), self.fails.get(method)
            return (hangs.popleft() if hangs else 0.0), (fails.popleft() if fails else None)

    def take_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates without the wait: confirm below `offset`, return up to `limit`."""
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        allowed = params.get("allowed_updates") or []
        with self.lock:
            if offset < 0:
                del self.updates[: max(0, len(self.updates) + offset)]
            elif offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            wanted = [u for u in self.updates if not allowed or set(u) & set(allowed)]
            return wanted[: max(1, min(limit, 100))]

    def file_content(self, path: str) -> bytes | None:
        with self.lock:
            for meta, data in self.files.values():
                if meta["file_path"] == path:
                    return data
            return None

    # ---- helpers ----------------------------------------------------------------------

    def target(self, params: dict[str, Any]) -> int:
        """The request's chat id, after the configured chat failures."""
        raw = params.get("chat_id")
        try:
            chat_id = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            chat_id = self._by_username(str(raw))
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        if chat_id in self.forgotten:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat_id

    def _by_username(self, name: str) -> int:
        """A public chat named "@name" (channels are found by their username)."""
        wanted = name.removeprefix("@").lower()
        for chat_id, chat in self.chats.items():
            if name.startswith("@") and str(chat.get("username", "")).lower() == wanted:
                return chat_id
        raise ApiError(400, "Bad Request: chat not found")

    def check_flood(self, chat_id: int) -> None:
        retry_after = self.flood.check(chat_id, time.monotonic())
        if retry_after is not None:
            self.count_429 += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    def chat(self, chat_id: int) -> dict[str, Any]:
        return self.chats.get(chat_id) or chat_object(chat_id, chat_type_for(chat_id))

    def store_file(self, name: str | None, data: bytes, mime: str | None) -> dict[str, Any]:
        number = self.next_id("file")
        suffix = "." + name.rsplit(".", 1)[1] if name and "." in name else ""
        meta: dict[str, Any] = {
            "file_id": f"BQACAgQAAx-fake-{number}",
            "file_unique_id": f"AgAD-{number}",
            "file_size": len(data),
            "file_path": f"documents/file_{number}{suffix}",
        }
        if name:
            meta["file_name"] = name
        mime = mime or (mimetypes.guess_type(name)[0] if name else None)
        if mime:
            meta["mime_type"] = mime
        self.files[meta["file_id"]] = (meta, data)
        return meta

    # ---- the user's side (called by tests) ----------------------------------------------

    def enqueue_message(
        self,
        chat: dict[str, Any],
        sender: dict[str, Any],
        *,
        text: str | None = None,
        document: tuple[str, bytes] | None = None,
        caption: str | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a Message update from `sender` in `chat`; return its message_id."""
        with self.lock:
            self.chats[chat["id"]] = chat
            message: dict[str, Any] = {
                "message_id": self.next_id("message"),
                "date": timestamp(now()),
                "chat": chat,
                "from": sender,
            }
            if thread_id is not None:  # a message in a forum's thread
                message["message_thread_id"] = thread_id
                message["is_topic_message"] = True
            if text is not None:
                message["text"] = text
                if entities := command_entities(text):
                    message["entities"] = entities
            if document is not None:
                meta = self.store_file(document[0], document[1], None)
                message["document"] = {k: v for k, v in meta.items() if k != "file_path"}
            if caption is not None:
                message["caption"] = caption
                if entities := command_entities(caption):
                    message["caption_entities"] = entities
            self.enqueue({"message": message})
            return int(message["message_id"])

    def enqueue_callback_query(
        self, chat_id: int, message_id: int, data: str, sender: dict[str, Any]
    ) -> int:
        """Queue a press of a button under the bot's message; return the update_id."""
        with self.lock:
            key = (chat_id, message_id)
            sent = next((m for m in self.messages if (m.chat_id, m.message_id) == key), None)
            message = {
                "message_id": message_id,
                "date": timestamp(sent.date if sent else now()),
                "chat": self.chat(chat_id),
                "from": self.bot_user,
                "text": text_of(sent) if sent else "",
            }
            query = {
                "id": str(self.next_id("callback")),
                "from": sender,
                "chat_instance": str(chat_id),
                "message": message,
                "data": data,
            }
            update_id = self.enqueue({"callback_query": query})
            self.callback_ids[update_id] = str(query["id"])
            return update_id

    def enqueue(self, update: dict[str, Any]) -> int:
        """Queue any update (its update_id is assigned here); return the update_id."""
        with self.lock:
            update_id = self.next_id("update")
            self.updates.append({"update_id": update_id, **update})
        if self.on_update is not None:
            self.on_update()
        return update_id

    # ---- buttons and languages (callback queries, users' language_code) -----------------

    def init_buttons(self) -> None:
        self.user_languages: dict[int, str] = {}  # user id -> language_code (default "en")
        self.callback_ids: dict[int, str] = {}  # update_id -> callback_query id
        self.callback_answers: dict[str, dict[str, Any]] = {}  # query id -> its answer

    def with_language(self, user: dict[str, Any]) -> dict[str, Any]:
        """The user object with the language_code the test gave this user."""
        with self.lock:
            code = self.user_languages.get(int(user["id"]))
        return {**user, "language_code": code} if code else user

    def answer_callback(self, params: dict[str, Any]) -> None:
        """answerCallbackQuery: once per query, for a query that was sent (as Telegram)."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_ids.values() or query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> int:
    return int(moment.timestamp())
