"""End to end: alerts in the reader's language and zone, with buttons that mute a topic for
a day or unsubscribe; /topics with the same buttons; forged presses change nothing."""

from __future__ import annotations

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, SentMessage, button_data, buttons_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import rss_document

from .helpers import ADMIN, ask, bot_running, item, polls_of, press, say

SITI, JOHN = 610, 710
TOPIC = "Nagorno-Karabakh"


async def _alert(api: FakeBotApi, chat_id: int, n: int) -> SentMessage:
    """Wait for the chat's alert on feed item n and return it."""
    link = f"https://news.example/{n}"
    await api.wait_for(
        lambda: any(link in m.text for m in api.messages(chat_id)), 20, what=f"alert {n}"
    )
    return next(m for m in api.messages(chat_id) if link in m.text)


async def test_alert_in_indonesian_and_wib_with_mute_and_unsubscribe_buttons(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    fake_api.set_language(SITI, "id")  # Siti never picks a language: her app's is used
    feed_server.set("/news.xml", rss_document([item(0)]))
    async with bot_running(settings):
        assert "Zona waktu" in await say(fake_api, SITI, "/timezone WIB")
        assert "✅ Mengikuti Nagorno-Karabakh" in await say(fake_api, SITI, f"/subscribe {TOPIC}")
        assert "Following Nagorno-Karabakh" in await say(fake_api, JOHN, f"/subscribe {TOPIC}")
        assert "Added feed" in await say(
            fake_api, ADMIN, f"/addfeed {feed_server.url('/news.xml')}"
        )

        feed_server.set("/news.xml", rss_document([item(1), item(0)]))
        siti = await _alert(fake_api, SITI, 1)
        seen = text_of(siti)
        assert "cocok dengan “Nagorno-Karabakh” di judul" in seen
        assert "05 Okt 2020 19:01 WIB" in seen  # 12:01 UTC, in Jakarta
        assert buttons_of(siti) == [["🔕 Bisukan sehari"], ["❌ Berhenti ikuti Nagorno-Karabakh"]]
        john = await _alert(fake_api, JOHN, 1)
        assert "matched “Nagorno-Karabakh” in the title" in text_of(john)
        assert "05 Oct 2020 12:01 UTC" in text_of(john)
        assert buttons_of(john) == [["🔕 Mute for a day"], ["❌ Unsubscribe from Nagorno-Karabakh"]]

        # Muted for a day from the alert: the note says until when, the keyboard changes.
        note = await press(fake_api, siti, "Bisukan sehari")
        assert note.startswith("🔕 Nagorno-Karabakh dibisukan sampai ") and note.endswith("WIB.")
        redrawn = fake_api.message(SITI, siti.message_id)
        assert buttons_of(redrawn)[0] == ["🔔 Aktifkan lagi"]
        feed_server.set("/news.xml", rss_document([item(2), item(1), item(0)]))
        await _alert(fake_api, JOHN, 2)  # queued in the same refresh as Siti's would be
        assert "berita 2 tentang" not in " ".join(m.text.lower() for m in fake_api.messages(SITI))

        # A forged press naming John's topic from Siti's chat changes nothing.
        update_id = fake_api.send_callback_query(
            SITI, siti.message_id, button_data(john, "Mute for a day")
        )
        answer = await fake_api.wait_for_callback_answer(update_id, timeout=15)
        assert (
            answer["text"] == "Tombol ini sudah tidak berlaku. Kirim /start untuk tombol yang baru."
        )

        # /topics shows the mute, and unmutes with one tap (the list is drawn again).
        topics = await ask(fake_api, SITI, "/topics")
        assert "1. Nagorno-Karabakh (dibisukan sampai " in text_of(topics)
        assert buttons_of(topics) == [["🔔 Aktifkan lagi", "❌ Berhenti ikuti Nagorno-Karabakh"]]
        assert await press(fake_api, topics, "Aktifkan lagi") == (
            "🔔 Peringatan untuk Nagorno-Karabakh aktif lagi."
        )
        again = fake_api.message(SITI, topics.message_id)
        assert "dibisukan" not in text_of(again)
        assert buttons_of(again)[0][0] == "🔕 Bisukan sehari"
        feed_server.set("/news.xml", rss_document([item(3), item(2), item(1), item(0)]))
        await _alert(fake_api, SITI, 3)
        john_3 = await _alert(fake_api, JOHN, 3)  # the forged press did not mute John

        # Unsubscribe from the alert: the keyboard goes, the topic is gone.
        assert await press(fake_api, john_3, "Unsubscribe") == "Stopped following Nagorno-Karabakh."
        assert buttons_of(fake_api.message(JOHN, john_3.message_id)) == []
        assert "follows no topics" in await say(fake_api, JOHN, "/topics")
        stale = await press(fake_api, john, "Mute for a day")  # an older alert's button
        assert stale == "This button is no longer valid. Send /start for fresh ones."
        feed_server.set("/news.xml", rss_document([item(n) for n in range(4, -1, -1)]))
        await _alert(fake_api, SITI, 4)
        await polls_of(feed_server, "/news.xml", 1)
        assert not any("news.example/4" in m.text for m in fake_api.messages(JOHN))


GROUP, GROUP_ADMIN, MEMBER = -620, 621, 622


async def test_a_groups_alert_buttons_are_for_its_admins_and_mistakes_are_answered_in_indonesian(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    for user in (SITI, GROUP_ADMIN, MEMBER):
        fake_api.set_language(user, "id")
    fake_api.set_chat_admins(GROUP, {GROUP_ADMIN})
    feed_server.set("/news.xml", rss_document([item(0)]))
    async with bot_running(settings):
        unknown = await say(fake_api, SITI, "/frobnicate")
        assert unknown == "Perintah /frobnicate tidak dikenal. Kirim /help untuk daftarnya."
        assert (await say(fake_api, SITI, "halo")).startswith("Saya memahami perintah.")
        assert (await say(fake_api, SITI, "/subscribe")).startswith("Cara pakai: /subscribe")
        explained = await say(fake_api, SITI, "/subscribe KPK OR")
        assert explained.startswith("Tidak bisa mengikuti topik itu: OR memerlukan kata atau frasa")
        echo = await say(fake_api, SITI, "/subscribe KPK longsor")
        assert "KPK — sebagai akronim" in echo and "(+ bentuk kata)" in echo
        refused = await say(fake_api, SITI, "/mute 5x")
        assert refused.startswith("Tidak bisa membisukan: satuan “x” tidak dikenal")
        muted = await say(fake_api, SITI, "/mute 1d6h")
        assert muted.startswith("🔕 Peringatan dibisukan selama 1 hari 6 jam, sampai ")
        assert "/unmute" in muted and "Peringatan dilanjutkan" in await say(
            fake_api, SITI, "/unmute"
        )
        assert "Hanya admin grup ini" in text_of(
            await ask(fake_api, GROUP, f"/subscribe {TOPIC}", user_id=MEMBER)
        )
        followed = await ask(fake_api, GROUP, f"/subscribe {TOPIC}", user_id=GROUP_ADMIN)
        assert "✅ Mengikuti" in text_of(followed)
        assert "Added feed" in await say(
            fake_api, ADMIN, f"/addfeed {feed_server.url('/news.xml')}"
        )

        feed_server.set("/news.xml", rss_document([item(1), item(0)]))
        alert = await _alert(fake_api, GROUP, 1)
        assert "di judul" in text_of(alert)  # the group speaks its first writer's language
        refusal = await press(fake_api, alert, "Bisukan sehari", user_id=MEMBER)
        assert refusal == "⛔ Hanya admin grup ini yang dapat mengubahnya."
        assert buttons_of(fake_api.message(GROUP, alert.message_id))[0] == ["🔕 Bisukan sehari"]
        note = await press(fake_api, alert, "Bisukan sehari", user_id=GROUP_ADMIN)
        assert note.startswith("🔕 Nagorno-Karabakh dibisukan sampai ") and note.endswith("UTC.")
