"""A fake Telegram Bot API server on loopback, for end-to-end tests, benchmarks and the demo.

    with FakeBotApi() as fake:
        app = (
            ApplicationBuilder().token(fake.token)
            .base_url(fake.base_url).base_file_url(fake.base_file_url).build()
        )
        ...  # start the app and its polling
        fake.send_text(42, "/subscribe Karabakh")
        [reply] = await fake.wait_for_messages(42, 1)
        assert "Karabakh" in text_of(reply)

It speaks the Bot API as python-telegram-bot 22 uses it (form or multipart POSTs to
`{base_url}{token}/{method}`) and enforces what Telegram enforces on messages: the token,
well-formed HTML, length, blocked/missing/migrated chats and flood limits (HTTP 429).
Telegram can also be made far away and unreliable: `FakeBotApi(latency=0.12, jitter=0.04)`
gives every call a seeded random round trip, and `fake.outage()` makes every call fail
(HTTP 502, or `drop=True`: the connection closes unanswered) until `fake.outage(False)`.
"""

from __future__ import annotations

from alertbot.devtools.fake_bot_api._flood import FloodLimits
from alertbot.devtools.fake_bot_api._html import HtmlError, parse_html
from alertbot.devtools.fake_bot_api._records import (
    SentDocument,
    SentMessage,
    button_data,
    buttons_of,
    links_of,
    text_of,
)
from alertbot.devtools.fake_bot_api._server import DEFAULT_TOKEN, FakeBotApi

__all__ = [
    "DEFAULT_TOKEN",
    "FakeBotApi",
    "FloodLimits",
    "HtmlError",
    "SentDocument",
    "SentMessage",
    "button_data",
    "buttons_of",
    "links_of",
    "parse_html",
    "text_of",
]
