"""Bot API objects as JSON dicts: users, chats, messages, as Telegram would serialise them."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "chat_object",
    "chat_type_for",
    "command_entities",
    "full_chat_object",
    "user_object",
    "utf16_len",
]

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def chat_type_for(chat_id: int) -> str:
    """The usual type for an id: users positive, groups negative, supergroups -100…."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def user_object(
    user_id: int, first_name: str, username: str | None = None, *, is_bot: bool = False
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username:
        user["username"] = username
    if not is_bot:
        user["language_code"] = "en"
    return user


def chat_object(
    chat_id: int,
    chat_type: str,
    *,
    first_name: str = "Tester",
    username: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = first_name
        if username:
            chat["username"] = username
    else:
        chat["title"] = title or f"Test group {chat_id}"
    return chat


def full_chat_object(chat: dict[str, Any]) -> dict[str, Any]:
    """getChat's ChatFullInfo: the chat plus the fields python-telegram-bot requires."""
    gifts = dict.fromkeys(
        (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        ),
        False,
    )
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds when a message starts with `/cmd[@bot]`."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def administrator(user: dict[str, Any], *, can_post_messages: bool) -> dict[str, Any]:
    """A ChatMemberAdministrator with the rights python-telegram-bot requires."""
    rights = dict.fromkeys(
        (
            "can_be_edited",
            "is_anonymous",
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ),
        False,
    )
    return {
        "status": "administrator",
        "user": user,
        **rights,
        "can_post_messages": can_post_messages,
    }
