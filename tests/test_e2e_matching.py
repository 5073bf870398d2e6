"""End to end: topic queries as a subscriber types them, and alerts that say why they came."""

from __future__ import annotations

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, button_data, buttons_of, links_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem, rss_document
from alertbot.store import Store

from .helpers import ADMIN, T0, ask, bot_running, press, say
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


# --- /search and /latest speak the topic language, over the whole store -------------------


def _store_stories(db_path: str, stories: list[tuple[str, str]], *, start: float) -> None:
    """Write stories straight into the database (one a minute from `start`), as a feed would."""
    store = Store.open(db_path)
    feed = store.add_feed("https://stored.example/rss", title="Stored", interval=300)
    with store.transaction():
        store.db.conn.executemany(
            "insert into stories (feed_id, guid, link, canonical_link, title, summary, text, "
            "published, first_seen) values (?, ?, ?, '', ?, '', ?, ?, ?)",
            [
                (feed.id, f"s{n}", f"https://stored.example/{n}", title, text, None, start + 60 * n)
                for n, (title, text) in enumerate(stories)
            ],
        )
    store.close()


SEARCHED = [
    ("Aliyev speaks in Baku", "The president of Azerbaijan addressed parliament."),
    ("Hajiyev on the shelling", "The aide to the president spoke on Twitter."),
    ("Armenia hit Mingachevir", "Missiles struck the reservoir city."),
    ("Armenia votes on budget", "Parliament in Yerevan passed the budget."),
    ("Kekeringan melanda Gunungkidul", "Warga antre air bersih, kata BPBD."),
    ("Hujan deras di Bogor", "Sungai meluap; pascalongsor warga mengungsi."),
]


async def test_search_speaks_the_topic_language(fake_api: FakeBotApi, settings: Settings) -> None:
    _store_stories(str(settings.db_path), SEARCHED, start=T0.timestamp())
    async with bot_running(settings):
        found = await say(fake_api, 20, "/search Aliyev OR Hajiyev")
        assert "Aliyev speaks" in found and "Hajiyev on the shelling" in found
        assert found.index("Hajiyev") < found.index("Aliyev speaks")  # newest first
        found = await say(fake_api, 20, "/search Armenia -Mingachevir")
        assert "Armenia votes" in found and "Armenia hit" not in found
        assert "Armenia hit Mingachevir" in await say(fake_api, 20, "/search Mingach*")
        # word forms and the acronym rule, as in alerts
        assert "Kekeringan melanda" in await say(fake_api, 20, "/search kering")
        assert "Hujan deras" in await say(fake_api, 20, "/search longsor")
        assert "No stored story matches" in await say(fake_api, 20, '/search "longsor"')
        refused = await say(fake_api, 20, '/search "unbalanced')
        assert "Cannot search for that" in refused and "quotes" in refused


async def test_latest_finds_a_match_older_than_ten_thousand_newer_stories(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    old = ("Mingachevir reservoir damaged", "Azerbaijan says the dam held.")
    newer = [(f"Berita harian nomor {n}", "Harga cabai naik di pasar.") for n in range(10_000)]
    _store_stories(str(settings.db_path), [old, *newer], start=T0.timestamp())
    async with bot_running(settings):
        found = await say(fake_api, 21, "/latest Mingachevir")
        assert "Mingachevir reservoir damaged" in found
        assert "No stored stories" in await say(fake_api, 21, "/latest Stepanakert")
        latest = await say(fake_api, 21, "/latest cabai")
        assert "Berita harian nomor 9999" in latest and "nomor 9990" in latest
        assert "nomor 9989" not in latest  # ten, newest first


V2_STORIES = [
    item(11, "Putusan MA soal kasasi", "Hakim agung membacakan putusan."),
    item(12, "Jack Ma kunjungi Jakarta", "Ma bertemu pengusaha. Wakil Presiden Ma'ruf Amin hadir."),
    item(13, "Warga pascalongsor mengungsi", "Tenda darurat didirikan di Sumedang."),
    item(14, "Harga cabai naik", "Pedagang mengeluh. Baca juga: Longsor tutup jalan Puncak"),
    item(15, "Cease-fire holds in the south", "Both sides pulled back."),
]


async def test_alerts_follow_the_v2_rules(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/v2.xml", rss_document([OLD]))
    async with bot_running(settings):
        echo = await say(fake_api, 30, "/subscribe MA")
        assert "MA — as an acronym" in echo
        assert "(+ word forms)" in await say(fake_api, 31, "/subscribe longsor")
        await say(fake_api, 32, "/subscribe ceasefire")
        assert "Added feed" in await say(fake_api, ADMIN, f"/addfeed {feed_server.url('/v2.xml')}")
        feed_server.set("/v2.xml", rss_document([*V2_STORIES, OLD]))
        for chat in (30, 31, 32):
            await fake_api.wait_for_messages(chat, 2, timeout=20)
        stats = await say(fake_api, ADMIN, "/stats")
        assert "alerts pending: 0" in stats
        got = {chat: [text_of(m) for m in fake_api.messages(chat)[1:]] for chat in (30, 31, 32)}
        assert len(got[30]) == 1 and "Putusan MA" in got[30][0]  # not Jack Ma, not Ma'ruf
        assert len(got[31]) == 1 and "matched “pascalongsor” in the title" in got[31][0].lower()
        assert len(got[32]) == 1 and "Cease-fire holds" in got[32][0]


async def test_search_pages_with_more_editing_the_message(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    stories = [(f"Banjir nomor {n}", "Air naik.") for n in range(12)]
    _store_stories(str(settings.db_path), stories, start=T0.timestamp())
    async with bot_running(settings):
        first = await ask(fake_api, 22, "/search banjir")
        seen = text_of(first)
        assert "Banjir nomor 11" in seen and "Banjir nomor 2\n" in seen
        assert "Banjir nomor 1\n" not in seen and buttons_of(first) == [["More ▶"]]
        assert await press(fake_api, first, "More ▶") == ""
        second = fake_api.message(22, first.message_id)  # the same message, edited
        seen = text_of(second)
        assert (
            "(page 2)" in seen and "11. Banjir nomor 1\n" in seen and "12. Banjir nomor 0" in seen
        )
        assert "Banjir nomor 2\n" not in seen and buttons_of(second) == [["◀ Newer"]]
        await press(fake_api, second, "◀ Newer")
        assert "1. Banjir nomor 11" in text_of(fake_api.message(22, first.message_id))
        # Typed pages still work; another chat cannot page this chat's search.
        assert "(page 2)" in await say(fake_api, 22, "/search banjir #2")
        assert "on that page" in await say(fake_api, 22, "/search banjir #3")
        update_id = fake_api.send_callback_query(23, first.message_id, button_data(first, "More"))
        answer = await fake_api.wait_for_callback_answer(update_id, timeout=15)
        assert "no longer valid" in answer["text"]
        latest = await ask(fake_api, 22, "/latest")
        assert buttons_of(latest) == [["More ▶"]]
        await press(fake_api, latest, "More ▶")
        assert "Latest headlines (page 2)" in text_of(fake_api.message(22, latest.message_id))
