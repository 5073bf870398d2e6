"""End to end: topic queries as a subscriber types them, and alerts that say why they came."""

from __future__ import annotations

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, links_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem, rss_document

from .helpers import ADMIN, bot_running, say
from .helpers import item as rss_item


def item(n: int, title: str, body: str) -> RssItem:
    return rss_item(n, title, body, path="/m")


OLD = item(0, "Old story", "Nothing to see.")
STORIES = [
    item(1, "Artsakh declares mobilisation", "Officials in Stepanakert spoke."),
    item(2, "Обстрел в Нагорном Карабахе", "Сообщения о погибших."),
    item(3, "Armenia beats Georgia at football", "A friendly match in Yerevan."),
    item(4, "COVID19 cases rise in Baku", "Hospitals are full."),
    item(5, "Unclear results in the Unidentified region", "No news of the UN."),
]


async def test_alerts_follow_the_query_language_and_name_the_match(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/m.xml", rss_document([OLD]))
    subscribers = {
        10: "Karabakh",  # alias group: Artsakh, Russian inflected forms
        11: "Armenia -football",
        12: "covid-19",
        13: "(truce OR ceasefire) Karabakh",
        14: "UN",
    }
    async with bot_running(settings):
        for chat, topic in subscribers.items():
            assert "Following" in await say(fake_api, chat, f"/subscribe {topic}")
        assert "Added feed" in await say(fake_api, ADMIN, f"/addfeed {feed_server.url('/m.xml')}")
        feed_server.set("/m.xml", rss_document([*STORIES, OLD]))

        # Karabakh: the alias in a title, and the Russian locative in another; one alert each.
        await fake_api.wait_for_messages(10, 3, timeout=20)
        alerts = [text_of(m) for m in fake_api.messages(10)[1:]]
        assert any("matched “Artsakh” in the title" in a for a in alerts)
        assert any("Нагорном Карабахе" in a and "in the title" in a for a in alerts)
        assert sorted(link for m in fake_api.messages(10)[1:] for link in links_of(m)) == [
            "https://news.example/m/1",
            "https://news.example/m/2",
        ]
        # covid-19 matches COVID19; the UN subscriber gets the story naming the UN.
        await fake_api.wait_for_messages(12, 2, timeout=20)
        assert "COVID19 cases rise" in text_of(fake_api.messages(12)[1])
        await fake_api.wait_for_messages(14, 2, timeout=20)

        # Let the sender drain, then check nobody got what they should not.
        await fake_api.wait_for(lambda: len(fake_api.messages(11)) >= 1, timeout=5)
        stats = await say(fake_api, ADMIN, "/stats")
        assert "alerts pending: 0" in stats
        assert len(fake_api.messages(11)) == 1  # Armenia, but only with football
        assert len(fake_api.messages(13)) == 1  # Karabakh without truce or ceasefire
        un_alerts = [text_of(m) for m in fake_api.messages(14)[1:]]
        assert len(un_alerts) == 1 and "Unclear results" in un_alerts[0]
        assert "matched “UN” in the text" in un_alerts[0]
