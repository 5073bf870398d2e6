"""The log redactor: the token (or its secret half) never reaches a log line or traceback."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from telegram.error import InvalidToken

from alertbot.logs import (
    FORMAT,
    REDACTED,
    Redactor,
    RefusedTokenOnce,
    active_level,
    active_secrets,
    configure_logging,
    secrets_of_token,
)

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redactor(secrets_of_token(TOKEN)))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_the_token_in_a_message_or_its_arguments_is_redacted(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    logger.warning(f"secret half alone: {TOKEN.split(':')[1]}")
    logger.info("chat %s: nothing secret", 42)
    out = stream.getvalue()
    assert TOKEN.split(":")[1] not in out
    assert f"/bot{REDACTED}/getMe" in out
    assert f"secret half alone: {REDACTED}" in out
    assert "chat 42: nothing secret" in out


def test_a_traceback_naming_the_token_is_redacted(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/sendMessage")
    except ConnectionError:
        logger.exception("send failed")
    out = stream.getvalue()
    assert "Traceback" in out and "ConnectionError" in out
    assert TOKEN.split(":")[1] not in out


def test_short_or_missing_tokens_redact_nothing_extra() -> None:
    assert secrets_of_token(None) == []
    assert secrets_of_token("1:abc") == ["1:abc"]  # "abc" alone would mangle ordinary words
    assert secrets_of_token(TOKEN) == [TOKEN, TOKEN.split(":")[1]]


def test_a_refused_token_is_not_reported_again_with_tracebacks_by_the_library() -> None:
    def record(name: str) -> logging.LogRecord:
        try:
            raise InvalidToken("Unauthorized")
        except InvalidToken:
            return logging.LogRecord(
                name, logging.ERROR, __file__, 1, "polling", (), sys.exc_info()
            )

    quiet = RefusedTokenOnce()
    assert not quiet.filter(record("telegram.ext.Updater"))  # the runner says it, once
    ours = record("alertbot.sender")
    assert quiet.filter(ours) and ours.exc_info is None  # kept, as one line
    plain = logging.LogRecord("telegram.ext", logging.INFO, __file__, 1, "started", (), None)
    assert quiet.filter(plain)


def test_worker_processes_are_given_the_secrets_and_level() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("WARNING", secrets=secrets_of_token(TOKEN), stream=io.StringIO())
        assert active_level() == "WARNING"
        assert active_secrets() == secrets_of_token(TOKEN)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        reset_hooks()


def reset_hooks() -> None:
    """configure_logging installs process-wide hooks; give pytest its own back."""
    sys.excepthook = sys.__excepthook__
    threading.excepthook = threading.__excepthook__
    sys.unraisablehook = sys.__unraisablehook__
    logging.captureWarnings(False)
