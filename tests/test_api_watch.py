"""The watch on Telegram's answers: getUpdates and webhook checks are contact, a 401 is a
refused token (what /healthz and the runner act on). Against the fake Bot API."""

from __future__ import annotations

from telegram import Bot

from alertbot.devtools.fake_bot_api import FakeBotApi
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
