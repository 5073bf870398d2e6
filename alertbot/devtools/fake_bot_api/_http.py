"""Tornado handlers: decode Bot API requests as python-telegram-bot sends them, write answers.

PTB POSTs form-encoded or multipart bodies where every non-string parameter is a JSON
string (`chat_id=42`, `reply_markup={"inline_keyboard": ...}`); JSON bodies and query
strings are accepted too, as Telegram does.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.web

from alertbot.devtools.fake_bot_api._state import UploadedFile

__all__ = ["DROP_CONNECTION", "ApiHandler", "Dispatch", "FileHandler"]

DROP_CONNECTION = 0  # a dispatch "status": close the connection without an answer

Dispatch = Callable[
    [str, str, dict[str, Any], dict[str, UploadedFile]], Awaitable[tuple[int, dict[str, Any]]]
]
# Parameters that are plain strings even when they look like JSON ("123", "true").
_STRING_PARAMS = frozenset(
    "text caption parse_mode url secret_token callback_query_id file_id inline_message_id "  # noqa: SIM905
    "action language_code business_connection_id message_effect_id name description "
    "short_description ip_address".split()
)
_NOT_FOUND = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"})


def decode_field(name: str, raw: str) -> Any:
    """A form field's value: JSON for anything that is not a string parameter."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class ApiHandler(tornado.web.RequestHandler):
    """`/bot{token}/{method}` -> dispatch(token, method, params, files)."""

    dispatch: Dispatch

    def initialize(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch

    async def post(self, token: str, method: str) -> None:
        params: dict[str, Any] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError:
                body = None
            params.update(body if isinstance(body, dict) else {})
        for source in (self.request.query_arguments, self.request.body_arguments):
            for name, values in source.items():
                params[name] = decode_field(name, values[-1].decode("utf-8", "replace"))
        files: dict[str, UploadedFile] = {
            name: (uploads[-1].filename or None, uploads[-1].body, uploads[-1].content_type or None)
            for name, uploads in self.request.files.items()
        }
        status, payload = await self.dispatch(token, method, params, files)
        if status == DROP_CONNECTION:
            self.detach().close()  # the client sees the connection reset, no answer
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    get = post


class FileHandler(tornado.web.RequestHandler):
    """`/file/bot{token}/{path}` -> the file's bytes, or 404."""

    download: Callable[[str, str], bytes | None]

    def initialize(self, download: Callable[[str, str], bytes | None]) -> None:
        self.download = download

    def get(self, token: str, path: str) -> None:
        content = self.download(token, path)
        if content is None:
            self.set_status(404)
            self.set_header("Content-Type", "application/json")
            self.finish(_NOT_FOUND)
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(content)
