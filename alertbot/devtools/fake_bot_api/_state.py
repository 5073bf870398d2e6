"""The fake Telegram's state and its Bot API methods, synchronous and guarded by one lock.

The HTTP layer decodes a request into `params`/`files` and calls `call()`; tests call the
other public methods from their own thread. Nothing here does I/O or waits.
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
from alertbot.devtools.fake_bot_api._html import HtmlError, parse_html
from alertbot.devtools.fake_bot_api._objects import (
    chat_object,
    chat_type_for,
    command_entities,
    full_chat_object,
    user_object,
)
from alertbot.devtools.fake_bot_api._records import ApiError, SentDocument, SentMessage

__all__ = ["BotState", "UploadedFile"]

MAX_TEXT_LENGTH = 4096
# Methods the bot may call that need no behaviour here: answered with True and recorded.
_ACCEPTED = frozenset(
    "close logout answercallbackquery deletemycommands setmydescription setmyshortdescription "
    "setmyname setchatmenubutton setmydefaultadministratorrights deletemessage deletemessages "
    "pinchatmessage unpinchatmessage leavechat editmessagereplymarkup".split()
)
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
            **user_object(int(number) if number.isdigit() else 1, bot_name, bot_username, is_bot=True),
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
        self._ids = {"update": 0, "message": 0, "file": 0}

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # ---- the Bot API side -------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        """Run one Bot API method (name lower-cased); raise ApiError for an error answer."""
        with self.lock:
            self.calls.setdefault(method, []).append(params)
            handler = getattr(self, f"_api_{method}", None)
            if handler is not None:
                return handler(params, files)
            if method in _ACCEPTED:
                return True
            raise ApiError(404, "Not Found")

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

    def _api_getme(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self.bot_user

    def _api_deletewebhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def _api_setwebhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.webhook = params
        return True

    def _api_getwebhookinfo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        url = (self.webhook or {}).get("url", "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _api_setmycommands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.commands[_commands_key(params)] = params.get("commands") or []
        return True

    def _api_getmycommands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self.commands.get(_commands_key(params), [])

    def _api_deletemycommands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.commands.pop(_commands_key(params), None)
        return True

    def _api_getchat(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return full_chat_object(self._chat(self._target(params)))

    def _api_sendchataction(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._target(params)
        return True

    def _api_sendmessage(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat_id = self._target(params)
        text, parse_mode = str(params.get("text") or ""), params.get("parse_mode")
        visible = _visible_text(text, parse_mode)
        self._check_flood(chat_id)
        sent = SentMessage(
            chat_id=chat_id,
            message_id=self._next("message"),
            text=text,
            parse_mode=parse_mode,
            date=_now(),
            link_preview_options=params.get("link_preview_options"),
            reply_markup=params.get("reply_markup"),
            params=params,
        )
        self.messages.append(sent)
        if self.on_sent is not None:
            self.on_sent(sent)
        return self._message_object(sent, visible)

    def _api_editmessagetext(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        text, parse_mode = str(params.get("text") or ""), params.get("parse_mode")
        visible = _visible_text(text, parse_mode)
        if "inline_message_id" in params:
            return True
        chat_id, message_id = self._target(params), int(params.get("message_id") or 0)
        for index, old in enumerate(self.messages):
            if (old.chat_id, old.message_id) == (chat_id, message_id):
                break
        else:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if (text, parse_mode, markup) == (old.text, old.parse_mode, old.reply_markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup of the existing message are exactly the same as a current content and "
                "reply markup of the message",
            )
        edited = SentMessage(
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            parse_mode=parse_mode,
            date=old.date,
            link_preview_options=params.get("link_preview_options"),
            reply_markup=markup,
            params=params,
            edit_date=_now(),
        )
        self.messages[index] = edited
        return {**self._message_object(edited, visible), "edit_date": _timestamp(_now())}

    def _api_senddocument(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat_id = self._target(params)
        caption, parse_mode = params.get("caption"), params.get("parse_mode")
        if caption:
            _visible_text(str(caption), parse_mode, limit=1024, what="caption")
        upload = files.get("document")
        if upload is None and str(params.get("document", "")) not in self.files:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        self._check_flood(chat_id)
        if upload is not None:
            name, data, mime = upload
            document = self._store_file(name, data, mime)
        else:
            document, data = self.files[str(params["document"])]
            name, mime = document.get("file_name"), document.get("mime_type")
        sent = SentDocument(
            chat_id=chat_id,
            message_id=self._next("message"),
            file_name=name,
            data=data,
            mime_type=mime,
            caption=str(caption) if caption is not None else None,
            parse_mode=parse_mode,
            date=_now(),
            params=params,
        )
        self.documents.append(sent)
        message = {
            "message_id": sent.message_id,
            "date": _timestamp(sent.date),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "document": {k: v for k, v in document.items() if k != "file_path"},
        }
        if caption:
            message["caption"] = _visible_text(str(caption), parse_mode, limit=1024)
        return message

    def _api_getfile(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        meta = stored[0]
        return {k: meta[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    def file_content(self, path: str) -> bytes | None:
        with self.lock:
            for meta, data in self.files.values():
                if meta["file_path"] == path:
                    return data
            return None

    # ---- helpers ----------------------------------------------------------------------

    def _target(self, params: dict[str, Any]) -> int:
        """The request's chat id, after the configured chat failures."""
        raw = params.get("chat_id")
        try:
            chat_id = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
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

    def _check_flood(self, chat_id: int) -> None:
        retry_after = self.flood.check(chat_id, time.monotonic())
        if retry_after is not None:
            self.count_429 += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return self.chats.get(chat_id) or chat_object(chat_id, chat_type_for(chat_id))

    def _message_object(self, sent: SentMessage, visible: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": _timestamp(sent.date),
            "chat": self._chat(sent.chat_id),
            "from": self.bot_user,
            "text": visible,
        }
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.link_preview_options:
            message["link_preview_options"] = sent.link_preview_options
        return message

    def _store_file(self, name: str | None, data: bytes, mime: str | None) -> dict[str, Any]:
        number = self._next("file")
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
    ) -> int:
        """Queue a Message update from `sender` in `chat`; return its message_id."""
        with self.lock:
            self.chats[chat["id"]] = chat
            message: dict[str, Any] = {
                "message_id": self._next("message"),
                "date": _timestamp(_now()),
                "chat": chat,
                "from": sender,
            }
            if text is not None:
                message["text"] = text
                if entities := command_entities(text):
                    message["entities"] = entities
            if document is not None:
                meta = self._store_file(document[0], document[1], None)
                message["document"] = {k: v for k, v in meta.items() if k != "file_path"}
            if caption is not None:
                message["caption"] = caption
                if entities := command_entities(caption):
                    message["caption_entities"] = entities
            self.enqueue({"message": message})
            return int(message["message_id"])

    def enqueue(self, update: dict[str, Any]) -> int:
        """Queue any update (its update_id is assigned here); return the update_id."""
        with self.lock:
            update_id = self._next("update")
            self.updates.append({"update_id": update_id, **update})
        if self.on_update is not None:
            self.on_update()
        return update_id


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{scope}/{params.get('language_code') or ''}"


def _visible_text(
    text: str, parse_mode: Any, *, limit: int = MAX_TEXT_LENGTH, what: str = "message"
) -> str:
    """The text as displayed, or the ApiError Telegram answers for it."""
    visible = text
    if str(parse_mode or "").upper() == "HTML":
        try:
            visible = parse_html(text).text
        except HtmlError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    visible = visible.strip()
    if not visible and what == "message":
        raise ApiError(400, "Bad Request: message text is empty")
    if len(visible) > limit:
        raise ApiError(400, f"Bad Request: {what} is too long")
    return visible


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp())
