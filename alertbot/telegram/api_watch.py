"""What Telegram said lately: when updates last came through, and whether it refused the token.

`WatchedRequest` is python-telegram-bot's HTTPXRequest reporting each answer to an `ApiWatch`:
a successful getUpdates (or an update arriving by webhook, or a healthy getWebhookInfo) is
contact; a 401 or 404 to a Bot API method means the token was refused (revoked, or never
valid). `/healthz` reads the watch, and the runner stops the bot with status 2 on a refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest, RequestData

__all__ = ["ApiWatch", "WatchedRequest", "check_webhook"]

REFUSED = frozenset({401, 404})  # what python-telegram-bot turns into InvalidToken


class ApiWatch:
    """Last contact (Unix time) and the refusal, if any; one per bot."""

    def __init__(self, now: float | None = None) -> None:
        self.last_contact = time.time() if now is None else now  # start counts as contact
        self.refused: str | None = None  # e.g. "401 Unauthorized"
        self._refused_event: asyncio.Event | None = None

    def contact(self) -> None:
        self.last_contact = time.time()

    def refuse(self, reason: str) -> None:
        if self.refused is None:
            self.refused = reason
            if self._refused_event is not None:
                self._refused_event.set()

    async def wait_refused(self) -> str:
        """Wait until Telegram refuses the token; return the reason."""
        if self._refused_event is None:
            self._refused_event = asyncio.Event()
            if self.refused is not None:
                self._refused_event.set()
        await self._refused_event.wait()
        assert self.refused is not None
        return self.refused


class WatchedRequest(HTTPXRequest):
    """HTTPXRequest that tells `watch` about getUpdates successes and refused tokens."""

    def __init__(self, watch: ApiWatch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.watch = watch

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if method == "POST":  # a Bot API method, not a file download
            api_method = url.rsplit("/", 1)[-1].lower()
            if code in REFUSED:
                self.watch.refuse(f"{code} {'Unauthorized' if code == 401 else 'Not Found'}")
            elif code == 200 and api_method == "getupdates":
                self.watch.contact()
        return code, payload


async def check_webhook(bot: Bot, watch: ApiWatch) -> None:
    """In webhook mode nothing polls: ask Telegram how delivering to us goes. Updates waiting
    with a delivery error is no contact; a refused token is seen by the request."""
    with contextlib.suppress(Exception):  # a failure is simply no contact
        info = await bot.get_webhook_info()
        if not info.pending_update_count or not info.last_error_message:
            watch.contact()
