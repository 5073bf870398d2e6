"""What the fake records (messages and documents the bot sent) and how it answers errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from alertbot.devtools.fake_bot_api._html import HtmlError, parse_html

__all__ = [
    "ApiError",
    "SentDocument",
    "SentMessage",
    "button_data",
    "buttons_of",
    "links_of",
    "text_of",
]


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional `parameters`."""

    def __init__(
        self, status: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters) if parameters else None

    @classmethod
    def http(cls, status: int) -> ApiError:
        """An error with the status's standard phrase, as a proxy in front of Telegram says."""
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return cls(status, phrase)

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True)
class SentMessage:
    """A text message the bot sent (its latest version, if it was edited)."""

    chat_id: int
    message_id: int
    text: str  # as the bot sent it: markup included when parse_mode is HTML
    parse_mode: str | None
    date: datetime
    link_preview_options: Mapping[str, Any] | None
    reply_markup: Mapping[str, Any] | None
    params: Mapping[str, Any]  # every parameter of the request, decoded
    edit_date: datetime | None = None

    @property
    def disable_web_page_preview(self) -> bool:
        options = self.link_preview_options or {}
        return bool(options.get("is_disabled") or self.params.get("disable_web_page_preview"))

    @property
    def visible_text(self) -> str:
        return text_of(self)


@dataclass(frozen=True)
class SentDocument:
    """A document the bot uploaded (or re-sent by file_id, then `data` is empty)."""

    chat_id: int
    message_id: int
    file_name: str | None
    data: bytes
    mime_type: str | None
    caption: str | None
    parse_mode: str | None
    date: datetime
    params: Mapping[str, Any]


def _parsed_text(text: str, parse_mode: str | None) -> tuple[str, tuple[str, ...]]:
    if (parse_mode or "").upper() != "HTML":
        return text, ()
    try:
        parsed = parse_html(text)
    except HtmlError:
        return text, ()
    return parsed.text, parsed.links


def text_of(message: SentMessage | SentDocument | str, parse_mode: str | None = "HTML") -> str:
    """What the user sees: tags stripped and entities decoded (plain text is returned as is)."""
    if isinstance(message, SentMessage):
        return _parsed_text(message.text, message.parse_mode)[0]
    if isinstance(message, SentDocument):
        return _parsed_text(message.caption or "", message.parse_mode)[0]
    return _parsed_text(message, parse_mode)[0]


def links_of(message: SentMessage | str, parse_mode: str | None = "HTML") -> list[str]:
    """The hrefs of the message's links, in order."""
    if isinstance(message, SentMessage):
        return list(_parsed_text(message.text, message.parse_mode)[1])
    return list(_parsed_text(message, parse_mode)[1])


def buttons_of(message: SentMessage) -> list[list[str]]:
    """The labels of the message's inline keyboard, row by row (none: [])."""
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    return [[str(button.get("text", "")) for button in row] for row in rows]


def button_data(message: SentMessage, label: str) -> str:
    """The callback_data of the button labelled `label` (or the only one containing it)."""
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    buttons = [button for row in rows for button in row]
    found = [b for b in buttons if b.get("text") == label] or [
        b for b in buttons if label in str(b.get("text", ""))
    ]
    if len(found) != 1 or "callback_data" not in found[0]:
        labels = [b.get("text") for b in buttons]
        raise AssertionError(f"no single callback button {label!r} under the message: {labels}")
    return str(found[0]["callback_data"])
