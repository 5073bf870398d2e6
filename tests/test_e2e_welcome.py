"""End to end: /start in Indonesian and English, its buttons, and buttons that lie.

The real Application against the fake Bot API: a user writes with their Telegram
language_code, presses inline buttons (callback queries), and sees what Telegram shows.
"""

from __future__ import annotations

import httpx

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, buttons_of, text_of

from .helpers import ask, bot_running, press

SITI, JOHN, GROUP, GROUP_ADMIN, MEMBER = 600, 700, -800, 801, 802


async def test_start_in_indonesian(fake_api: FakeBotApi, settings: Settings) -> None:
    fake_api.set_language(SITI, "id")
    async with bot_running(settings):
        welcome = await ask(fake_api, SITI, "/start")
    text = text_of(welcome)
    assert text.startswith("👋 AlertBot memantau situs berita")
    assert "Anda juga bisa meminta judul berita terbaru dengan /latest" in text
    assert "/subscribe (gencatan OR damai) Karabakh -sepakbola" in text
    assert "/help menampilkan semua perintah." in text
    rows = buttons_of(welcome)
    assert rows[0] == ["English", "✓ Bahasa Indonesia"]
    assert rows[1] == ["WIB", "WITA", "WIT"]  # Indonesia's zones for Indonesian speakers
    assert [label for row in rows[2:] for label in row] == [
        "➕ Nagorno-Karabakh",
        "➕ Armenia Azerbaijan",
        "➕ Covid-19",
        "➕ Gempa / tsunami",
    ]


async def test_start_in_english(fake_api: FakeBotApi, settings: Settings) -> None:
    async with bot_running(settings):
        welcome = await ask(fake_api, JOHN, "/start")
    text = text_of(welcome)
    assert text.startswith(
        "👋 AlertBot watches news sites and sends you an alert as soon as a new story matches"
    )
    assert "/subscribe (ceasefire OR truce) Karabakh -football" in text
    assert "Time zone: UTC, now " in text
    assert buttons_of(welcome)[:2] == [["✓ English", "Bahasa Indonesia"], ["✓ UTC", "WIB"]]


async def test_welcome_buttons_redraw_it_in_the_chosen_language_and_zone(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        welcome = await ask(fake_api, JOHN, "/start")
        assert await press(fake_api, welcome, "Bahasa Indonesia") == "Bahasa Indonesia"
        redrawn = fake_api.message(JOHN, welcome.message_id)
        assert redrawn.edit_date is not None
        assert text_of(redrawn).startswith("👋 AlertBot memantau situs berita")
        assert buttons_of(redrawn)[:2] == [
            ["English", "✓ Bahasa Indonesia"],
            ["WIB", "WITA", "WIT"],
        ]

        note = await press(fake_api, redrawn, "WITA")
        assert note.startswith("🕒 Zona waktu diatur: WITA (Asia/Makassar), sekarang ")
        assert note.endswith(" WITA")
        redrawn = fake_api.message(JOHN, welcome.message_id)
        assert "Zona waktu: WITA (Asia/Makassar)" in text_of(redrawn)
        assert buttons_of(redrawn)[1] == ["WIB", "✓ WITA", "WIT"]
        # The same choice again changes nothing and is still answered.
        assert await press(fake_api, redrawn, "WITA")
        assert len(fake_api.messages(JOHN)) == 1


async def test_a_suggested_topic_is_followed_with_one_tap(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        welcome = await ask(fake_api, JOHN, "/start")
        await press(fake_api, welcome, "Covid-19")
        [_, followed] = fake_api.messages(JOHN)
        assert "Following Covid-19" in text_of(followed)  # the reply /subscribe gives
        topics = await ask(fake_api, JOHN, "/topics")
        assert "1. Covid-19" in text_of(topics)
        await press(fake_api, welcome, "Covid-19")  # twice: already followed, not twice
        await fake_api.wait_for_messages(JOHN, 4)
        assert "already follow" in text_of(fake_api.messages(JOHN)[3])
        topics = await ask(fake_api, JOHN, "/topics")
        assert "follows 1 topic:" in text_of(topics)


async def test_forged_and_stale_buttons_are_answered_and_change_nothing(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        welcome = await ask(fake_api, JOHN, "/start")
        forged = [
            "topic:99:0000",  # no such suggested topic
            "topic:0:ffff",  # the list changed since the button was drawn
            "topic:-1:0000",
            "lang:fr:w",
            "lang:id:nowhere",  # a screen this bot never drew: nothing is set either
            "tz:Mars:w",
            "tz:WIB",
            "unsubscribe:12345",
            "",
            "x" * 64,
        ]
        for data in forged:
            update_id = fake_api.send_callback_query(JOHN, welcome.message_id, data)
            answer = await fake_api.wait_for_callback_answer(update_id, timeout=15)
            assert answer["text"] == "This button is no longer valid. Send /start for fresh ones."
        assert fake_api.message(JOHN, welcome.message_id).edit_date is None
        settings_reply = await ask(fake_api, JOHN, "/settings")
        assert "Language: English" in text_of(settings_reply)
        assert "Time zone: UTC" in text_of(settings_reply)
        assert "Follows 0 topics" in text_of(settings_reply)
        assert len(fake_api.messages(JOHN)) == 2  # the welcome and /settings, nothing else


async def test_in_a_group_only_admins_change_settings_with_buttons(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.set_chat_admins(GROUP, {GROUP_ADMIN})
    async with bot_running(settings):
        welcome = await ask(fake_api, GROUP, "/start", user_id=MEMBER)
        assert buttons_of(welcome)[0] == ["✓ English", "Bahasa Indonesia"]
        note = await press(fake_api, welcome, "Bahasa Indonesia", user_id=MEMBER)
        assert note == "⛔ Only this group's admins can change this."
        note = await press(fake_api, welcome, "Nagorno-Karabakh", user_id=MEMBER)
        assert note == "⛔ Only this group's admins can change this."
        assert fake_api.message(GROUP, welcome.message_id).edit_date is None
        assert len(fake_api.messages(GROUP)) == 1  # nothing followed

        assert await press(fake_api, welcome, "Bahasa Indonesia", user_id=GROUP_ADMIN)
        redrawn = fake_api.message(GROUP, welcome.message_id)
        assert text_of(redrawn).startswith("👋 AlertBot memantau")
        # The group's language is the group's, whatever a member's own Telegram says.
        reply = await ask(fake_api, GROUP, "/settings", user_id=MEMBER)
        assert "Bahasa: Bahasa Indonesia" in text_of(reply)


def test_the_fake_answers_each_callback_query_once(fake_api: FakeBotApi) -> None:
    """As Telegram: an unknown query id, or a second answer, is refused with 400."""
    fake_api.send_text(JOHN, "hello")
    update_id = fake_api.send_callback_query(JOHN, 1, "lang:id:w")
    url = f"{fake_api.base_url}{fake_api.token}/answerCallbackQuery"
    with httpx.Client() as client:
        updates = client.post(f"{fake_api.base_url}{fake_api.token}/getUpdates").json()["result"]
        [query] = [u["callback_query"] for u in updates if u["update_id"] == update_id]
        assert client.post(url, data={"callback_query_id": "nope"}).status_code == 400
        assert client.post(url, data={"callback_query_id": query["id"], "text": "ok"}).is_success
        assert client.post(url, data={"callback_query_id": query["id"]}).status_code == 400
    assert fake_api.callback_answer(update_id) == {"callback_query_id": query["id"], "text": "ok"}
