"""The log redactor: the token (or its secret half) never reaches a log line or traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from alertbot.logs import FORMAT, REDACTED, Redactor, secrets_of_token

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
