"""The user's side of the fake: messages, documents and button presses typed into chats.

A mixin of FakeBotApi, kept apart from the HTTP side: these only queue updates in the state,
which the bot's getUpdates then takes.
"""

from __future__ import annotations

from typing import Any

from alertbot.devtools.fake_bot_api._objects import chat_object, chat_type_for, user_object
from alertbot.devtools.fake_bot_api._records import SentMessage, button_data
from alertbot.devtools.fake_bot_api._state import BotState

__all__ = ["UserSide"]


class UserSide:
    """What a Telegram user does: thread-safe, for the test's thread."""

    _state: BotState

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
