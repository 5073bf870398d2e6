"""End to end: /language, /timezone and /settings change what later replies show."""

from __future__ import annotations

import re

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, buttons_of, text_of

from .helpers import ask, bot_running, press

ANA, BUDI, GROUP, GROUP_ADMIN, MEMBER = 900, 901, -910, 911, 912
CLOCK = r"\d\d:\d\d"


async def test_language_button_changes_every_later_reply(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        menu = await ask(fake_api, ANA, "/language")
        assert text_of(menu).startswith("🌐 Language of this chat: English")
        assert buttons_of(menu) == [["✓ English", "Bahasa Indonesia"]]
        assert await press(fake_api, menu, "Bahasa Indonesia") == "Bahasa Indonesia"
        redrawn = fake_api.message(ANA, menu.message_id)
        assert text_of(redrawn).startswith("🌐 Bahasa obrolan ini: Bahasa Indonesia")

        reply = text_of(await ask(fake_api, ANA, "/settings"))
        assert reply.startswith("⚙️ Pengaturan obrolan ini")
        assert "🌐 Bahasa: Bahasa Indonesia" in reply
        assert re.search(rf"🕒 Zona waktu: UTC, sekarang {CLOCK} UTC", reply)
        assert "📌 Mengikuti 0 topik: lihat /topics" in reply
        helped = text_of(await ask(fake_api, ANA, "/help"))
        assert "/subscribe <topik> — ikuti sebuah topik" in helped
        assert "/timezone <zona> — zona waktu obrolan ini" in helped
        assert "Contoh: /subscribe (gencatan OR damai) Karabakh -sepakbola" in helped
        refused = text_of(await ask(fake_api, ANA, "/timezone Mars/Olympus"))
        assert refused.startswith("Mars/Olympus bukan zona waktu yang saya kenal.")
        assert "Cara pakai: /timezone <zona>" in refused

        # And back, typed this time.
        assert "Language of this chat: English" in text_of(await ask(fake_api, ANA, "/language en"))
        assert "/subscribe <topic> — follow a topic" in text_of(await ask(fake_api, ANA, "/help"))


async def test_indonesian_speakers_are_answered_in_indonesian_until_they_choose(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.set_language(BUDI, "ms")
    async with bot_running(settings):
        assert "Pengaturan obrolan ini" in text_of(await ask(fake_api, BUDI, "/settings"))
        await ask(fake_api, BUDI, "/language english")
        assert "Settings of this chat" in text_of(await ask(fake_api, BUDI, "/settings"))
        unknown = text_of(await ask(fake_api, BUDI, "/language klingon"))
        assert unknown == "There is no language klingon here: choose English or Indonesian."


async def test_timezone_typed(fake_api: FakeBotApi, settings: Settings) -> None:
    async with bot_running(settings):
        reply = await ask(fake_api, ANA, "/timezone Asia/Jakarta")
        assert re.fullmatch(
            rf"🕒 Time zone set: WIB \(Asia/Jakarta\), now {CLOCK} WIB", text_of(reply)
        )
        assert buttons_of(reply) == [["✓ WIB", "WITA", "WIT", "UTC"]]
        shown = text_of(await ask(fake_api, ANA, "/settings"))
        assert re.search(rf"🕒 Time zone: WIB \(Asia/Jakarta\), now {CLOCK} WIB", shown)
        assert buttons_of(await ask(fake_api, ANA, "/settings"))[1] == [
            "✓ WIB",
            "WITA",
            "WIT",
            "UTC",
        ]

        reply = text_of(await ask(fake_api, ANA, "/timezone europe/london"))
        assert re.fullmatch(
            rf"🕒 Time zone set: (GMT|BST) \(Europe/London\), now {CLOCK} (GMT|BST)", reply
        )


async def test_timezone_buttons(fake_api: FakeBotApi, settings: Settings) -> None:
    async with bot_running(settings):
        menu = await ask(fake_api, ANA, "/timezone")
        text = text_of(menu)
        assert text.startswith("🕒 Time zone of this chat: UTC, now ")
        assert "Usage: /timezone <zone>" in text  # no argument: its usage line, and buttons
        assert buttons_of(menu) == [["WIB", "WITA", "WIT", "✓ UTC"]]
        note = await press(fake_api, menu, "WIB")
        assert re.fullmatch(rf"🕒 Time zone set: WIB \(Asia/Jakarta\), now {CLOCK} WIB", note)
        redrawn = fake_api.message(ANA, menu.message_id)
        assert "Time zone of this chat: WIB (Asia/Jakarta)" in text_of(redrawn)
        assert buttons_of(redrawn) == [["✓ WIB", "WITA", "WIT", "UTC"]]
        shown = text_of(await ask(fake_api, ANA, "/settings"))
        assert "Time zone: WIB (Asia/Jakarta)" in shown


async def test_bad_time_zones_get_a_reason_and_change_nothing(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        reply = text_of(await ask(fake_api, ANA, "/timezone Europe/Lundon"))
        assert reply.startswith(
            "Europe/Lundon is not a time zone I know.\nDid you mean Europe/London?"
        )
        assert "Usage: /timezone <zone>" in reply
        reply = text_of(await ask(fake_api, ANA, "/timezone <b>GMT+7</b>"))
        assert reply.startswith(
            "<b>GMT+7</b> is not a time zone I know."
        )  # escaped, shown as typed
        assert "Time zone: UTC" in text_of(await ask(fake_api, ANA, "/settings"))


async def test_in_a_group_only_admins_set_the_time_zone(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.set_chat_admins(GROUP, {GROUP_ADMIN})
    async with bot_running(settings):
        refused = await ask(fake_api, GROUP, "/timezone WIT", user_id=MEMBER)
        assert text_of(refused) == "⛔ Only this group's admins can change this."
        menu = await ask(fake_api, GROUP, "/settings", user_id=MEMBER)
        assert "Time zone: UTC" in text_of(menu)
        assert await press(fake_api, menu, "WIT", user_id=MEMBER) == (
            "⛔ Only this group's admins can change this."
        )
        reply = await ask(fake_api, GROUP, "/timezone WIT", user_id=GROUP_ADMIN)
        assert "WIT (Asia/Jayapura)" in text_of(reply)
        shown = text_of(await ask(fake_api, GROUP, "/settings", user_id=MEMBER))
        assert "Time zone: WIT (Asia/Jayapura)" in shown


async def test_settings_counts_topics_with_plurals(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        await ask(fake_api, ANA, "/subscribe Armenia")
        assert "📌 Follows 1 topic: see /topics" in text_of(await ask(fake_api, ANA, "/settings"))
        await ask(fake_api, ANA, "/subscribe Karabakh")
        assert "📌 Follows 2 topics: see /topics" in text_of(await ask(fake_api, ANA, "/settings"))
