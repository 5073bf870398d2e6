"""Small helpers shared by the handlers: the argument text, and replying in HTML."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode

__all__ = ["argument_text", "escape", "reply"]


def argument_text(update: Update) -> str:
    """Everything after the command word, exactly as typed (quotes and dashes kept)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    return text.partition(" ")[2].strip() if " " in text.strip() else ""


async def reply(update: Update, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat the command came from; `html` is already escaped."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(
        html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        do_quote=False,
    )
