"""The bot in the foreground, as an operator runs it: what can go wrong at start is one line.

Order: the database is checked (opened and written) before Telegram is contacted; Telegram
unreachable is retried with back-off, a warning per attempt; a token Telegram refuses,
at start or later, ends the process with `EXIT_FATAL` (2), which the systemd unit does not
restart. SIGINT and SIGTERM stop the bot cleanly with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys
from collections.abc import Awaitable
from pathlib import Path

from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from .app import build_application, running
from .config import Settings
from .delivery.throttle import retry_seconds
from .store import Store
from .telegram.services import bot_data
from .web.webhook import webhook_config

__all__ = ["EXIT_FATAL", "EXIT_OK", "database_problem", "run"]

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FATAL = 0, 2
FIRST_RETRY, MAX_RETRY = 1.0, 60.0  # seconds between attempts to reach Telegram
REFUSED_HELP = (
    "check TELEGRAM_BOT_TOKEN, or get a new token from @BotFather (it may have been revoked)"
)


def database_problem(path: Path) -> str | None:
    """Why the database at `path` cannot be used (one line naming ALERTBOT_DB), or None."""
    try:
        store = Store.open(path)
    except (sqlite3.Error, OSError) as exc:
        return f"cannot open the database {path} (ALERTBOT_DB): {exc}"
    try:
        conn = store.db.conn
        conn.execute("savepoint write_check")
        try:
            conn.execute("create table write_check (x)")  # refused if read-only
        finally:
            conn.execute("rollback to write_check")
            conn.execute("release write_check")
    except (sqlite3.Error, OSError) as exc:
        return f"cannot write the database {path} (ALERTBOT_DB): {exc}"
    finally:
        store.close()
    return None


def run(settings: Settings) -> int:
    """Check the database, then run the bot until a signal or a refused token."""
    try:
        problem = database_problem(settings.db_path)
        if problem is not None:
            print(f"alertbot: {problem}", file=sys.stderr)
            return EXIT_FATAL
        return asyncio.run(_serve(settings))
    except KeyboardInterrupt:  # Ctrl-C before the event loop took SIGINT over
        return EXIT_OK


async def _serve(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    app = build_application(settings)
    watch = bot_data(app).api_watch
    assert watch is not None
    outcome = await _connect(app, stop)
    if outcome == "refused":
        print(
            f"alertbot: Telegram refused the token ({watch.refused or 'InvalidToken'}): "
            f"{REFUSED_HELP}",
            file=sys.stderr,
        )
        return EXIT_FATAL
    if outcome == "stopped":
        return EXIT_OK
    async with running(app, poll_timeout=30, webhook=webhook_config(settings)):
        if await _first(stopped=stop.wait(), refused=watch.wait_refused()) == "refused":
            log.critical(
                "Telegram refused the token (%s): stopping; %s", watch.refused, REFUSED_HELP
            )
    return EXIT_FATAL if watch.refused is not None else EXIT_OK


async def _connect(app: Application, stop: asyncio.Event) -> str:  # type: ignore[type-arg]
    """getMe until it works: "ok", "refused" (the token), or "stopped" (a signal came)."""
    delay, attempt = FIRST_RETRY, 0
    while True:
        attempt += 1
        try:
            return await _first(ok=app.bot.initialize(), stopped=stop.wait())
        except InvalidToken:
            return "refused"
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            reason = f"asked to wait {wait:.0f} s"
        except TelegramError as exc:  # NetworkError, TimedOut, an answer that is not JSON
            wait, delay = delay, min(delay * 2, MAX_RETRY)
            reason = " ".join(str(exc).split()) or type(exc).__name__
        log.warning(
            "cannot reach Telegram at %s (attempt %d: %s); retrying in %.0f s",
            app.bot.base_url.removesuffix(app.bot.token),
            attempt,
            reason,
            wait,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
            return "stopped"


async def _first(**awaitables: Awaitable[object]) -> str:
    """Wait until one of the awaitables ends, cancel the others, and return its name
    (re-raising its exception)."""
    tasks = {name: asyncio.ensure_future(aw) for name, aw in awaitables.items()}
    try:
        done, _ = await asyncio.wait(tasks.values(), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
    name = next(name for name, task in tasks.items() if task in done)
    tasks[name].result()
    return name
