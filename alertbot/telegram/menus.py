"""Telegram's command menu: everyone's commands in English and Indonesian; each bot admin
also sees the admin commands in their own chat (a chat-scoped list per admin id)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from .commands import COMMANDS

__all__ = ["menu", "publish_menus"]

log = logging.getLogger(__name__)


def menu(language: str, *, admin: bool) -> list[BotCommand]:
    """The menu in `language`: the everyday commands, and for admins theirs after them."""
    t = translator(language)
    return [
        BotCommand(c.name, t.gettext(c.summary)[:256]) for c in COMMANDS if admin or not c.admin
    ]


async def publish_menus(bot: Bot, admin_ids: Iterable[int]) -> None:
    """Set every menu; a menu Telegram refuses is logged, never fatal (it is cosmetic)."""
    scopes: list[tuple[BotCommandScopeDefault | BotCommandScopeChat, bool]] = [
        (BotCommandScopeDefault(), False)
    ]
    # An admin's private chat has their user id: the admin menu shows there only.
    scopes += [(BotCommandScopeChat(admin_id), True) for admin_id in sorted(admin_ids)]
    for scope, admin in scopes:
        for language in LANGUAGES:
            # The English list is also the one for every language without its own.
            code = None if language == DEFAULT_LANGUAGE else language
            try:
                await bot.set_my_commands(
                    menu(language, admin=admin), scope=scope, language_code=code
                )
            except TelegramError as exc:
                log.warning("could not set the %s command menu (%s): %s", language, scope.type, exc)
