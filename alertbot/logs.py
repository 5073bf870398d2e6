"""Logging set-up: one line per event, levels from ALERTBOT_LOG_LEVEL, secrets never printed.

The bot token is part of every Bot API URL, so any library that logs a URL or an error
naming one would print it. httpx's request log is kept at WARNING, and every record is
passed through `Redactor` on its way out, as a second line of defence.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

__all__ = ["REDACTED", "Redactor", "configure_logging", "secrets_of_token"]

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


def configure_logging(
    level: str, *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Log to stderr at `level`, with `secrets` redacted from every line."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
