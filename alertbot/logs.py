"""Logging set-up: one line per event, levels from ALERTBOT_LOG_LEVEL, secrets never printed.

The bot token is part of every Bot API URL, so any library that logs a URL or an error
naming one would print it. httpx's request log is kept at WARNING, and every record is
passed through `Redactor` on its way out, as a second line of defence. Everything else
that can print is routed through the same handler: uncaught exceptions (`sys.excepthook`,
threads, "Exception ignored in"), warnings, asyncio's exception handler (which logs), and
the parse workers, which call `configure_logging` with `active_secrets()` when they start.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TextIO

__all__ = [
    "REDACTED",
    "Redactor",
    "RefusedTokenOnce",
    "active_level",
    "active_secrets",
    "configure_logging",
    "secrets_of_token",
]

REDACTED = "[REDACTED]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that print Bot API URLs (and so the token) or a line per scheduler run.
_QUIET = ("httpx", "httpcore", "apscheduler", "telegram.ext.ExtBot")


def secrets_of_token(token: str | None) -> list[str]:
    """The token and its secret half (the part after the bot id), which is secret alone."""
    if not token:
        return []
    _, _, secret = token.partition(":")
    return [token, secret] if len(secret) >= 8 else [token]


class Redactor(logging.Filter):
    """Replaces every secret in a record's message, arguments and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so the whole token goes before the half of it.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


class RefusedTokenOnce(logging.Filter):
    """python-telegram-bot logs a refused token with a traceback, from more than one place;
    the runner says it in one line, so those records go and others lose the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or type(error).__name__ != "InvalidToken":
            return True
        if record.name.startswith("telegram"):
            return False
        record.exc_info, record.exc_text = None, None
        return True


_active: tuple[str, tuple[str, ...]] = ("INFO", ())
_log = logging.getLogger("alertbot")


def active_level() -> str:
    """The level `configure_logging` was last given (for worker processes)."""
    return _active[0]


def active_secrets() -> list[str]:
    """The secrets `configure_logging` was last given (for worker processes)."""
    return list(_active[1])


def _uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    _log.critical("uncaught exception", exc_info=(kind, error, tb))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    _log.critical(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    error = info.exc_value
    exc_info = (info.exc_type, error, info.exc_traceback) if error is not None else None
    _log.error("%s: %r", info.err_msg or "Exception ignored in", info.object, exc_info=exc_info)


def configure_logging(
    level: str, *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Log to stderr at `level`, with `secrets` redacted from every line, tracebacks of
    uncaught exceptions and warnings included."""
    global _active
    secrets = [s for s in secrets if s]
    _active = (level, tuple(secrets))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RefusedTokenOnce())
    handler.addFilter(Redactor(secrets))
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    sys.unraisablehook = _unraisable
    logging.captureWarnings(True)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
