"""End to end: a channel linked by its admin gets alerts; a forum thread gets its own."""

from __future__ import annotations

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, SentMessage, buttons_of, links_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import rss_document

from .helpers import ADMIN, ask, bot_running, item, polls_of, press, say, until

ANA, BUDI, CHANNEL, FORUM, FORUM_ADMIN = 700, 701, -1001700, -1001800, 702


async def _with_feed(api: FakeBotApi, server: FeedServer) -> None:
    """A feed whose first fetch (the backlog) alerts nobody; later items are news."""
    server.set("/news.xml", rss_document([item(0, "Kabar lama")]))
    assert "Added feed" in await say(api, ADMIN, f"/addfeed {server.url('/news.xml')}")
    await polls_of(server, "/news.xml", 1)


async def _in_group(api: FakeBotApi, text: str, *, thread_id: int | None = None) -> SentMessage:
    before = len(api.messages(FORUM))
    api.send_text(FORUM, text, user_id=FORUM_ADMIN, thread_id=thread_id)
    await api.wait_for_messages(FORUM, before + 1, timeout=15)
    return api.messages(FORUM)[before]


async def test_a_channel_linked_by_its_admin_gets_the_alerts_of_its_topics(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    fake_api.add_channel(CHANNEL, "KabarKarabakh", admins={ANA})
    async with bot_running(settings):
        await _with_feed(fake_api, feed_server)
        linked = await say(fake_api, ANA, "/channel @kabarkarabakh")
        assert linked.startswith("📢 @KabarKarabakh is linked.")
        assert "/subscribe @KabarKarabakh Nagorno-Karabakh" in linked
        assert "@KabarKarabakh" in await say(fake_api, ANA, "/channel")

        followed = await say(fake_api, ANA, "/subscribe @KabarKarabakh Nagorno-Karabakh")
        assert "Following Nagorno-Karabakh" in followed
        assert "1. Nagorno-Karabakh" in await say(fake_api, ANA, "/topics @KabarKarabakh")
        assert "follows no topics" in await say(fake_api, ANA, "/topics")  # her own chat

        story = item(1, "Serangan baru di Nagorno-Karabakh")
        feed_server.set("/news.xml", rss_document([story, item(0, "Kabar lama")]))
        await fake_api.wait_for_messages(CHANNEL, 1, timeout=15)
        [alert] = fake_api.messages(CHANNEL)
        assert story.title in text_of(alert) and links_of(alert) == [story.link]
        assert alert.reply_markup is None  # nobody in a channel can press buttons
        assert [m for m in fake_api.messages(ANA) if story.link in links_of(m)] == []

        stopped = await say(fake_api, ANA, "/unsubscribe @KabarKarabakh 1")
        assert "Stopped following Nagorno-Karabakh" in stopped
        assert "follows no topics" in await say(fake_api, ANA, "/topics @KabarKarabakh")
        assert "@KabarKarabakh unlinked." in await say(fake_api, ANA, "/channel @KabarKarabakh off")
        assert "No channel linked yet." in await say(fake_api, ANA, "/channel")


async def test_a_channel_is_refused_to_non_admins_and_without_the_right_to_post(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.add_channel(CHANNEL, "KabarKarabakh", admins={ANA})
    fake_api.add_channel(-1001701, "TanpaBot", admins={ANA}, bot_may_post=False)
    async with bot_running(settings):
        refused = await say(fake_api, BUDI, "/channel @KabarKarabakh")
        assert refused == "⛔ Only the channel's admins can send its alerts here."
        not_linked = await say(fake_api, BUDI, "/subscribe @KabarKarabakh Georgia")
        assert not_linked.startswith("@KabarKarabakh is not linked to you.")
        assert "admin who may post messages" in await say(fake_api, ANA, "/channel @TanpaBot")
        assert "cannot find that channel" in await say(fake_api, ANA, "/channel @NoSuchName")
        assert "Usage: /channel" in await say(fake_api, ANA, "/channel kabar")

        # An admin who stops being one loses the link at her next change.
        assert "is linked" in await say(fake_api, ANA, "/channel @KabarKarabakh")
        fake_api.set_chat_admins(CHANNEL, set())
        lost = await say(fake_api, ANA, "/subscribe @KabarKarabakh Georgia")
        assert lost == "⛔ Only the channel's admins can send its alerts here."
        assert "No channel linked yet." in await say(fake_api, ANA, "/channel")
        assert "⛔ " not in await say(fake_api, ANA, "/subscribe Georgia")  # her own chat


async def test_a_topic_followed_in_a_forum_thread_is_alerted_into_that_thread(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    fake_api.set_chat_admins(FORUM, {FORUM_ADMIN})
    async with bot_running(settings):
        await _with_feed(fake_api, feed_server)
        asked = await _in_group(fake_api, "/subscribe Karabakh", thread_id=42)
        assert "Following Karabakh" in text_of(asked)
        assert asked.params.get("message_thread_id") == 42  # the reply stays in the thread
        await _in_group(fake_api, "/subscribe Covid-19", thread_id=7)
        await _in_group(fake_api, "/subscribe Jakarta")  # the General thread

        war, virus = item(1, "Karabakh: gencatan senjata"), item(2, "Kasus Covid-19 naik")
        city = item(3, "Banjir di Jakarta")
        feed_server.set("/news.xml", rss_document([war, virus, city, item(0, "Kabar lama")]))

        def alerts() -> dict[str, object]:
            return {
                link: m.params.get("message_thread_id")
                for m in fake_api.messages(FORUM)
                for link in links_of(m)
            }

        await until("three alerts in the forum", lambda: len(alerts()) >= 3)
        assert alerts() == {war.link: 42, virus.link: 7, city.link: None}


async def test_topics_and_settings_switch_to_a_managed_channel_and_check_it_at_each_press(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    fake_api.add_channel(CHANNEL, "KabarKarabakh", admins={ANA})
    async with bot_running(settings):
        await say(fake_api, ANA, "/channel @KabarKarabakh")
        await say(fake_api, ANA, "/subscribe @KabarKarabakh Nagorno-Karabakh")
        await say(fake_api, ANA, "/subscribe Georgia")
        topics = await ask(fake_api, ANA, "/topics")
        assert "1. Georgia" in text_of(topics)
        assert buttons_of(topics)[-1] == ["📢 @KabarKarabakh"]
        await press(fake_api, topics, "📢 @KabarKarabakh")
        shown = fake_api.message(ANA, topics.message_id)
        assert text_of(shown).startswith("@KabarKarabakh follows 1 topic:\n1. Nagorno-Karabakh")
        assert buttons_of(shown)[-1] == ["⬅ This chat"]
        note = await press(fake_api, shown, "Mute for a day")
        assert note.startswith("🔕 Nagorno-Karabakh muted until ")
        assert "(muted until" in text_of(fake_api.message(ANA, topics.message_id))
        assert "(muted until" not in await say(fake_api, ANA, "/topics")  # her own: Georgia
        await press(fake_api, fake_api.message(ANA, topics.message_id), "⬅ This chat")
        assert "1. Georgia" in text_of(fake_api.message(ANA, topics.message_id))

        menu = await ask(fake_api, ANA, "/settings")
        await press(fake_api, menu, "📢 @KabarKarabakh")
        await press(fake_api, fake_api.message(ANA, menu.message_id), "Hourly digest")
        channel_view = text_of(fake_api.message(ANA, menu.message_id))
        assert channel_view.startswith("⚙️ Settings of @KabarKarabakh")
        assert "one digest every hour" in channel_view
        assert "each alert at once" in text_of(await ask(fake_api, ANA, "/settings"))  # hers

        # Another user cannot drive the channel's buttons; Ana, no longer its admin, neither.
        forged = fake_api.send_callback_query(BUDI, 1, f"sw:topics{CHANNEL}")
        answer = await fake_api.wait_for_callback_answer(forged, timeout=15)
        assert "no longer valid" in answer["text"]
        fake_api.set_chat_admins(CHANNEL, set())
        menu = fake_api.message(ANA, menu.message_id)
        assert "no longer valid" in await press(fake_api, menu, "Daily digest")
        assert "No channel linked yet." in await say(fake_api, ANA, "/channel")
