"""The watch on Telegram's answers: getUpdates and webhook checks are contact, a 401 is a
refused token (what /healthz and the runner act on). Against the fake Bot API."""

from __future__ import annotations

import logging

import pytest
from telegram import Bot

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, text_of
from alertbot.telegram.api_watch import ApiWatch, WatchedRequest, check_webhook


async def test_get_updates_and_webhook_checks_are_contact_until_the_token_is_revoked(
    fake_api: FakeBotApi,
) -> None:
    watch = ApiWatch(now=0.0)
    bot = Bot(
        fake_api.token,
        base_url=fake_api.base_url,
        request=WatchedRequest(watch),
        get_updates_request=WatchedRequest(watch),
    )
    async with bot:
        assert watch.last_contact == 0.0  # getMe alone says nothing about updates
        await bot.get_updates(timeout=0)
        polled = watch.last_contact
        assert polled > 0
        await check_webhook(bot, watch)
        assert watch.last_contact >= polled and watch.refused is None
        fake_api.revoke_token()
        await check_webhook(bot, watch)
        assert watch.refused == "401 Unauthorized"
        assert await watch.wait_refused() == "401 Unauthorized"


async def test_a_failing_get_updates_is_one_warning_per_attempt_and_the_bot_carries_on(
    fake_api: FakeBotApi, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail_next(2, 502, method="getUpdates")
    caplog.set_level(logging.WARNING)
    async with running(build_application(settings)):
        fake_api.send_text(5, "/start")
        [welcome] = await fake_api.wait_for_messages(5, 1, timeout=30)
    assert "AlertBot" in text_of(welcome)
    failures = [r for r in caplog.records if "getUpdates failed" in r.getMessage()]
    assert len(failures) == 2, caplog.text
    assert all(r.exc_info is None and "NetworkError" in r.getMessage() for r in failures)
    assert "Traceback" not in caplog.text
