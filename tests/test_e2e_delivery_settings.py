"""End to end: /settings for delivery — digests, quiet hours, link previews — by buttons
and typed, and alerts held by quiet hours until the chat's plan lets them go."""

from __future__ import annotations

from datetime import UTC, datetime

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, buttons_of, links_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import rss_document

from .helpers import ADMIN, ask, bot_running, item, polls_of, press, say

ANA, BUDI, GROUP, GROUP_ADMIN, MEMBER = 930, 931, -940, 941, 942


async def test_delivery_buttons_redraw_the_settings_in_the_chats_language(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.set_language(BUDI, "id")
    async with bot_running(settings):
        menu = await ask(fake_api, ANA, "/settings")
        seen = text_of(menu)
        assert "📬 Delivery: each alert at once" in seen
        assert "🌙 Quiet hours: off" in seen and "🔗 Link previews: off" in seen
        rows = buttons_of(menu)
        assert rows[2:] == [
            ["✓ ⚡ At once", "⏰ Hourly digest", "📅 Daily digest"],
            ["✓ 🌙 No quiet hours", "🌙 22:00–06:00", "🌙 23:00–07:00"],
            ["🔗 Turn link previews on"],
        ]

        def shown() -> str:
            return text_of(fake_api.message(ANA, menu.message_id))

        await press(fake_api, menu, "Hourly digest")
        assert "📬 Delivery: one digest every hour" in shown()
        await press(fake_api, fake_api.message(ANA, menu.message_id), "Daily digest")
        daily = fake_api.message(ANA, menu.message_id)
        assert buttons_of(daily)[3] == ["06:00", "07:00", "✓ 08:00", "12:00", "18:00", "21:00"]
        await press(fake_api, daily, "07:00")
        assert "📬 Delivery: one digest a day at 07:00 UTC" in shown()
        await press(fake_api, fake_api.message(ANA, menu.message_id), "22:00–06:00")
        assert "🌙 Quiet hours: 22:00–06:00 UTC: alerts wait, then come as one digest" in shown()
        await press(fake_api, fake_api.message(ANA, menu.message_id), "Turn link previews on")
        assert "🔗 Link previews: on" in shown()

        refused = text_of(await ask(fake_api, ANA, "/settings quiet 25-3"))
        assert refused.startswith("quiet 25-3 is not a setting I know.")
        assert "Usage: /settings [setting]" in refused
        back = text_of(await ask(fake_api, ANA, "/settings now"))
        assert "each alert at once" in back and "Quiet hours: 22:00–06:00" in back

        budi = text_of(await ask(fake_api, BUDI, "/settings daily 6"))
        assert "📬 Pengiriman: satu ringkasan sehari pukul 06:00 UTC" in budi
        assert "🌙 Jam tenang: mati" in budi


async def test_quiet_hours_hold_alerts_until_the_plan_lets_them_go(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    hour = datetime.now(UTC).hour
    feed_server.set("/news.xml", rss_document([item(0)]))
    async with bot_running(settings):
        await say(fake_api, ANA, "/subscribe Nagorno-Karabakh")
        quiet = await say(fake_api, ANA, f"/settings quiet {hour}-{(hour + 2) % 24}")
        assert f"Quiet hours: {hour:02d}:00–{(hour + 2) % 24:02d}:00 UTC" in quiet
        assert "Added feed" in await say(
            fake_api, ADMIN, f"/addfeed {feed_server.url('/news.xml')}"
        )
        feed_server.set("/news.xml", rss_document([item(2), item(1), item(0)]))
        await polls_of(feed_server, "/news.xml", 2)  # the first one's refresh is done
        before = len(fake_api.messages(ANA))
        assert "alerts pending: 2" in await say(fake_api, ADMIN, "/stats")
        assert len(fake_api.messages(ANA)) == before  # nothing came during quiet hours

        await say(fake_api, ANA, "/settings quiet off")  # the held alerts go now
        links = ("https://news.example/1", "https://news.example/2")
        await fake_api.wait_for(
            lambda: all(any(link in links_of(m) for m in fake_api.messages(ANA)) for link in links),
            15,
            what="both held stories",
        )
        assert sum(len(links_of(m)) for m in fake_api.messages(ANA)) == 2  # each once


async def test_in_a_group_only_admins_change_delivery(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.set_chat_admins(GROUP, {GROUP_ADMIN})
    async with bot_running(settings):
        menu = await ask(fake_api, GROUP, "/settings", user_id=MEMBER)
        assert await press(fake_api, menu, "Hourly digest", user_id=MEMBER) == (
            "⛔ Only this group's admins can change this."
        )
        refused = await ask(fake_api, GROUP, "/settings hourly", user_id=MEMBER)
        assert text_of(refused) == "⛔ Only this group's admins can change this."
        await press(fake_api, menu, "Hourly digest", user_id=GROUP_ADMIN)
        assert "one digest every hour" in text_of(fake_api.message(GROUP, menu.message_id))
