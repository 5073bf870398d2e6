"""FakeBotApi: the Bot API over real HTTP on 127.0.0.1 (the app, each call's answer).

The user's side (`send_text`, `press` ...) is the UserSide mixin (_user.py); the test's
controls, records and waiters are the Controls mixin (_controls.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import tornado.web

from alertbot.devtools._loopback import LoopbackServer
from alertbot.devtools.fake_bot_api._controls import Controls
from alertbot.devtools.fake_bot_api._flood import FloodLimits
from alertbot.devtools.fake_bot_api._http import DROP_CONNECTION, ApiHandler, FileHandler
from alertbot.devtools.fake_bot_api._methods import call
from alertbot.devtools.fake_bot_api._network import Network, Outage
from alertbot.devtools.fake_bot_api._records import ApiError, SentMessage
from alertbot.devtools.fake_bot_api._state import BotState, UploadedFile
from alertbot.devtools.fake_bot_api._user import UserSide

__all__ = ["FakeBotApi"]

DEFAULT_TOKEN = "123456:TEST-TOKEN"


class FakeBotApi(UserSide, Controls, LoopbackServer):
    """A fake Telegram Bot API server for python-telegram-bot (`base_url=fake.base_url`).

    Runs in its own thread; every public method is synchronous and thread-safe, except the
    `wait_for*` coroutines, which poll without blocking the caller's event loop.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        port: int = 0,
        limits: FloodLimits | None = FloodLimits(),  # noqa: B008 (frozen, so safe to share)
        bot_username: str = "alertbot_test_bot",
        bot_name: str = "AlertBot Test",
        on_sent: Callable[[SentMessage], None] | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        seed: int = 0,
    ) -> None:
        """`latency` ± `jitter` seconds is each call's round trip (seeded by `seed`)."""
        super().__init__(port=port, name="fake-bot-api")
        self.token = token
        self.network = Network(latency=latency, jitter=jitter, seed=seed)
        self.bot_username = bot_username
        self._state = BotState(token, bot_username=bot_username, bot_name=bot_name, limits=limits)
        self._state.on_update = lambda: self._call_in_loop(self._wake_pollers)
        self._state.on_sent = on_sent
        self._wakeup: asyncio.Event | None = None
        self._poll_generation = 0
        self._revoked = False

    # ---- addresses --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`: python-telegram-bot appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url(...)`, needed to download documents."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- the token (it reaches into the long polls) ------------------------------------

    def revoke_token(self) -> None:
        """The token is revoked (as /revoke in @BotFather): every call answers 401 from now on,
        and a waiting getUpdates returns at once so the next one sees it."""
        self._revoked = True
        self._call_in_loop(self._wake_pollers)

    # ---- HTTP -------------------------------------------------------------------------

    def _make_app(self) -> tornado.web.Application:
        self._wakeup = asyncio.Event()
        return tornado.web.Application(
            [
                (r"/bot([^/]*)/([A-Za-z0-9_]+)", ApiHandler, {"dispatch": self._dispatch}),
                (r"/file/bot([^/]*)/(.+)", FileHandler, {"download": self._download}),
            ],
            log_function=lambda handler: None,  # access logs would print the token
        )

    def _download(self, token: str, path: str) -> bytes | None:
        return self._state.file_content(path) if token == self.token else None

    def _on_stopping(self) -> None:
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()
            self._wakeup = asyncio.Event()

    async def _dispatch(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request: (HTTP status, JSON body)."""
        with self._answering():
            trip = self.network.round_trip()
            if trip and await self._wait_stopping(trip / 2):  # on its way to Telegram
                return 503, ApiError.http(503).payload()
            outage = self.network.outage_for(method.lower())
            if outage is not None:
                with self._state.lock:
                    self._state.requests_by_method[method] += 1
            if outage is Outage.DROP:
                return DROP_CONNECTION, {}
            if outage is Outage.BAD_GATEWAY:
                answer = 502, ApiError.http(502).payload()
            else:
                answer = await self._answer(token, method, params, files)
            if trip:
                await self._wait_stopping(trip / 2)  # the answer on its way back
            return answer

    async def _answer(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        name = method.lower()
        with self._state.lock:
            self._state.requests_by_method[method] += 1
        try:
            if token != self.token or self._revoked:
                raise ApiError(401, "Unauthorized")
            hang, fail = self._state.take_fault(name)
            if hang and await self._wait_stopping(hang):
                raise ApiError.http(503)
            if fail is not None:
                raise _injected_error(fail, self._state)
            if name == "getupdates":
                result = await self._get_updates(params)
            else:
                result = call(self._state, name, params, files)
        except ApiError as exc:
            return exc.status, exc.payload()
        return 200, {"ok": True, "result": result}

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        """Long poll: answer as soon as updates exist, or after `timeout` seconds."""
        self._state.record("getupdates", params)
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poll is answered 409, as Telegram does
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            if self._revoked:
                raise ApiError(401, "Unauthorized")
            updates = self._state.take_updates(params)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or self._stopping:
                return updates
            wakeup = self._wakeup
            assert wakeup is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), min(remaining, 1.0))
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )


def _injected_error(status: int, state: BotState) -> ApiError:
    if status == 429:
        with state.lock:
            state.count_429 += 1
        return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    return ApiError.http(status)
