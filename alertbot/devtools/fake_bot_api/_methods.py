"""The Bot API methods, on a BotState: decoded parameters in, a result or ApiError out.

getUpdates is not here: its long poll lives with the server's event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alertbot.devtools.fake_bot_api._html import HtmlError, parse_html
from alertbot.devtools.fake_bot_api._objects import (
    administrator,
    full_chat_object,
    user_object,
)
from alertbot.devtools.fake_bot_api._records import ApiError, SentDocument, SentMessage
from alertbot.devtools.fake_bot_api._state import BotState, UploadedFile, now, timestamp

__all__ = ["call"]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
Params = dict[str, Any]
Files = dict[str, UploadedFile]
_METHODS: dict[str, Callable[[BotState, Params, Files], Any]] = {}
# Methods the bot may call that need no behaviour here: answered with True and recorded.
_ACCEPTED = frozenset(
    "close logout setmydescription setmyshortdescription setmyname "  # noqa: SIM905
    "setchatmenubutton setmydefaultadministratorrights deletemessage deletemessages "
    "pinchatmessage unpinchatmessage leavechat editmessagereplymarkup".split()
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup of "
    "the existing message are exactly the same as a current content and reply markup of the "
    "message"
)


def call(state: BotState, method: str, params: Params, files: Files) -> Any:
    """Run `method` (lower-cased name) and record the call; raise ApiError for an error."""
    with state.lock:
        state.record(method, params)
        handler = _METHODS.get(method)
        if handler is not None:
            return handler(state, params, files)
        if method in _ACCEPTED:
            return True
        raise ApiError(404, "Not Found")


def _method(
    name: str,
) -> Callable[[Callable[[BotState, Params, Files], Any]], Callable[[BotState, Params, Files], Any]]:
    def register(
        function: Callable[[BotState, Params, Files], Any],
    ) -> Callable[[BotState, Params, Files], Any]:
        _METHODS[name.lower()] = function
        return function

    return register


@_method("getMe")
def _get_me(state: BotState, params: Params, files: Files) -> Any:
    return state.bot_user


@_method("deleteWebhook")
def _delete_webhook(state: BotState, params: Params, files: Files) -> Any:
    state.webhook = None
    if params.get("drop_pending_updates"):
        state.updates.clear()
    return True


@_method("setWebhook")
def _set_webhook(state: BotState, params: Params, files: Files) -> Any:
    state.webhook = params
    return True


@_method("getWebhookInfo")
def _get_webhook_info(state: BotState, params: Params, files: Files) -> Any:
    url = (state.webhook or {}).get("url", "")
    return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}


def _commands_key(params: Params) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{scope}/{params.get('language_code') or ''}"


@_method("setMyCommands")
def _set_my_commands(state: BotState, params: Params, files: Files) -> Any:
    state.commands[_commands_key(params)] = params.get("commands") or []
    return True


@_method("getMyCommands")
def _get_my_commands(state: BotState, params: Params, files: Files) -> Any:
    return state.commands.get(_commands_key(params), [])


@_method("deleteMyCommands")
def _delete_my_commands(state: BotState, params: Params, files: Files) -> Any:
    state.commands.pop(_commands_key(params), None)
    return True


@_method("getChat")
def _get_chat(state: BotState, params: Params, files: Files) -> Any:
    return full_chat_object(state.chat(state.target(params)))


@_method("getChatMember")
def _get_chat_member(state: BotState, params: Params, files: Files) -> Any:
    chat_id = state.target(params)
    user_id = int(params.get("user_id") or 0)
    user = user_object(user_id, "Tester")
    if user_id == state.bot_user["id"] and chat_id in state.bot_rights:
        if state.bot_rights[chat_id]:
            return administrator(state.bot_user, can_post_messages=True)
        return {"status": "member", "user": state.bot_user}
    if user_id in state.chat_admins.get(chat_id, set()):
        if state.chat(chat_id)["type"] == "channel":
            return administrator(user, can_post_messages=True)
        return {"status": "creator", "user": user, "is_anonymous": False}
    return {"status": "member", "user": user}


@_method("sendChatAction")
def _send_chat_action(state: BotState, params: Params, files: Files) -> Any:
    state.target(params)
    return True


@_method("sendMessage")
def _send_message(state: BotState, params: Params, files: Files) -> Any:
    chat_id = state.target(params)
    text, parse_mode = str(params.get("text") or ""), params.get("parse_mode")
    visible = _visible_text(text, parse_mode)
    state.check_flood(chat_id)
    sent = SentMessage(
        chat_id=chat_id,
        message_id=state.next_id("message"),
        text=text,
        parse_mode=parse_mode,
        date=now(),
        link_preview_options=params.get("link_preview_options"),
        reply_markup=params.get("reply_markup"),
        params=params,
    )
    state.messages.append(sent)
    if state.on_sent is not None:
        state.on_sent(sent)
    return _message_object(state, sent, visible)


@_method("editMessageText")
def _edit_message_text(state: BotState, params: Params, files: Files) -> Any:
    text, parse_mode = str(params.get("text") or ""), params.get("parse_mode")
    return _edit(state, params, text, parse_mode, params.get("link_preview_options"))


@_method("editMessageReplyMarkup")
def _edit_message_reply_markup(state: BotState, params: Params, files: Files) -> Any:
    """Only the keyboard changes (none given, or an empty one: the keyboard is removed)."""
    old = (
        state.messages[_edited_index(state, params)] if "inline_message_id" not in params else None
    )
    if old is None:
        return True
    return _edit(state, params, old.text, old.parse_mode, old.link_preview_options)


def _edited_index(state: BotState, params: Params) -> int:
    key = (state.target(params), int(params.get("message_id") or 0))
    index = next((i for i, m in enumerate(state.messages) if (m.chat_id, m.message_id) == key), -1)
    if index < 0:
        raise ApiError(400, "Bad Request: message to edit not found")
    return index


def _edit(state: BotState, params: Params, text: str, parse_mode: Any, preview: Any) -> Any:
    if "inline_message_id" in params:
        return True
    index = _edited_index(state, params)
    old, markup = state.messages[index], params.get("reply_markup")
    if not (markup or {}).get("inline_keyboard"):
        markup = None  # Telegram shows no keyboard for an empty one
    if (text, parse_mode, markup) == (old.text, old.parse_mode, old.reply_markup):
        raise ApiError(400, _NOT_MODIFIED)
    edited = SentMessage(
        chat_id=old.chat_id,
        message_id=old.message_id,
        text=text,
        parse_mode=parse_mode,
        date=old.date,
        link_preview_options=preview,
        reply_markup=markup,
        params=params,
        edit_date=now(),
    )
    state.messages[index] = edited
    return {
        **_message_object(state, edited, _visible_text(text, parse_mode)),
        "edit_date": timestamp(now()),
    }


@_method("sendDocument")
def _send_document(state: BotState, params: Params, files: Files) -> Any:
    chat_id = state.target(params)
    caption, parse_mode = params.get("caption"), params.get("parse_mode")
    shown = _visible_text(str(caption or ""), parse_mode, limit=MAX_CAPTION_LENGTH, what="caption")
    upload = files.get("document")
    if upload is None and str(params.get("document", "")) not in state.files:
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
    state.check_flood(chat_id)
    if upload is not None:
        name, data, mime = upload
        document = state.store_file(name, data, mime)
    else:
        document, data = state.files[str(params["document"])]
        name, mime = document.get("file_name"), document.get("mime_type")
    sent = SentDocument(
        chat_id=chat_id,
        message_id=state.next_id("message"),
        file_name=name,
        data=data,
        mime_type=mime,
        caption=str(caption) if caption is not None else None,
        parse_mode=parse_mode,
        date=now(),
        params=params,
    )
    state.documents.append(sent)
    message = {
        "message_id": sent.message_id,
        "date": timestamp(sent.date),
        "chat": state.chat(chat_id),
        "from": state.bot_user,
        "document": {k: v for k, v in document.items() if k != "file_path"},
    }
    if shown:
        message["caption"] = shown
    return message


@_method("answerCallbackQuery")
def _answer_callback_query(state: BotState, params: Params, files: Files) -> Any:
    state.answer_callback(params)
    return True


@_method("getFile")
def _get_file(state: BotState, params: Params, files: Files) -> Any:
    stored = state.files.get(str(params.get("file_id", "")))
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    meta = stored[0]
    return {k: meta[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}


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


def _message_object(state: BotState, sent: SentMessage, visible: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": sent.message_id,
        "date": timestamp(sent.date),
        "chat": state.chat(sent.chat_id),
        "from": state.bot_user,
        "text": visible,
    }
    if sent.reply_markup:
        message["reply_markup"] = sent.reply_markup
    if sent.link_preview_options:
        message["link_preview_options"] = sent.link_preview_options
    return message
