"""End to end: the real Application, a fake Bot API and seed feeds served on loopback.

A subscriber to "Nagorno-Karabakh" is alerted to the seed story that writes
"Nagorno–Karabakh" (EN DASH); subscribers to "Georgia" or "Covid-19", which only the
"Baca juga" lines of the other seed name, get nothing; backlog and restarts alert nobody.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi, links_of, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem, load_seed_stories, rss_document

from .helpers import ADMIN, T0, bot_running, polls_of, say

KARABAKH, GEORGIA, COVID, BYSTANDER = 100, 200, 300, 400


def seed_items() -> list[RssItem]:
    """The two seed stories as feed items: [0] Serambinews (Baca juga), [1] Mingachevir."""
    items = []
    for n, seed in enumerate(load_seed_stories()):
        items.append(
            RssItem(
                guid=f"seed-{n}",
                title=seed.title,
                link=f"https://news.example/seed/{n}",
                html=seed.html,
                published=T0 + timedelta(hours=n),
            )
        )
    return items


BACKLOG = RssItem(
    guid="old-1",
    title="Gencatan senjata di Nagorno-Karabakh gagal",
    link="https://news.example/old/1",
    html="<p>Berita lama tentang Nagorno-Karabakh.</p>",
    published=T0 - timedelta(days=1),
)


async def test_subscriber_is_alerted_once_with_link_and_nobody_else_is(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    serambi, mingachevir = seed_items()
    feed_server.set("/news.xml", rss_document([BACKLOG]))
    async with bot_running(settings):
        reply = await say(fake_api, KARABAKH, "/subscribe Nagorno-Karabakh")
        assert "Following Nagorno-Karabakh" in reply
        assert "nagorno karabakh" in reply.lower()
        assert "Following Georgia" in await say(fake_api, GEORGIA, "/subscribe Georgia")
        assert "Following Covid-19" in await say(fake_api, COVID, "/subscribe Covid-19")

        reply = await say(fake_api, ADMIN, f"/addfeed {feed_server.url('/news.xml')}")
        assert "Added feed" in reply and "1 current story stored" in reply

        # Backlog: the old Nagorno-Karabakh story is stored and searchable, never alerted.
        await polls_of(feed_server, "/news.xml", 2)
        assert len(fake_api.messages(KARABAKH)) == 1
        assert "Gencatan senjata" in await say(fake_api, BYSTANDER, "/search gencatan")

        # Both seed stories are published; only the EN DASH one concerns Karabakh.
        feed_server.set("/news.xml", rss_document([serambi, mingachevir, BACKLOG]))
        await fake_api.wait_for_messages(KARABAKH, 2, timeout=15)
        alert = fake_api.messages(KARABAKH)[1]
        seen = text_of(alert)
        assert "Nagorno-Karabakh" in seen
        assert mingachevir.title in seen
        assert links_of(alert) == [mingachevir.link]
        assert "Nagorno–Karabakh" in seen  # why: the term as the story wrote it

        # "Baca juga" lines name Georgia and Covid-19: they alert nobody.
        await polls_of(feed_server, "/news.xml", 3)
        await asyncio.sleep(0.5)
        assert len(fake_api.messages(GEORGIA)) == 1
        assert len(fake_api.messages(COVID)) == 1
        assert fake_api.messages(BYSTANDER)[1:] == []
        assert len(fake_api.messages(KARABAKH)) == 2

        # /latest and /search answer from the stored stories.
        latest = await say(fake_api, BYSTANDER, "/latest")
        assert latest.index(mingachevir.title) < latest.index(BACKLOG.title)
        on_topic = await say(fake_api, BYSTANDER, "/latest Karabakh")
        assert mingachevir.title in on_topic and serambi.title not in on_topic
        found = await say(fake_api, BYSTANDER, "/search Mingachevir")
        assert mingachevir.title in found
        assert "No stored story matches" in await say(fake_api, BYSTANDER, "/search Biden")

    # A restart sends nothing again.
    async with bot_running(settings):
        await polls_of(feed_server, "/news.xml", 2)
        await asyncio.sleep(0.5)
        assert len(fake_api.messages(KARABAKH)) == 2
        assert "Nagorno-Karabakh" in await say(fake_api, KARABAKH, "/topics")


async def test_admin_commands_are_refused_to_others(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set("/news.xml", rss_document([BACKLOG]))
    async with bot_running(settings):
        for command in (
            "/addfeed " + feed_server.url("/news.xml"),
            "/removefeed 1",
            "/feeds",
            "/stats",
        ):
            assert "only the bot's admins" in await say(fake_api, BYSTANDER, command)
        assert "No feeds yet" in await say(fake_api, ADMIN, "/feeds")
        stats = await say(fake_api, ADMIN, "/stats")
        assert "feeds: 0" in stats and "subscriptions: 0" in stats


async def test_every_command_answers_wrong_input(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    feed_server.set(
        "/page.html", b"<html><body>no feed here</body></html>", content_type="text/html"
    )
    async with bot_running(settings):
        assert "Usage: /subscribe <topic>" in await say(fake_api, KARABAKH, "/subscribe")
        assert "Usage: /unsubscribe" in await say(fake_api, KARABAKH, "/unsubscribe")
        assert "Usage: /search <words>" in await say(fake_api, KARABAKH, "/search")
        assert "Usage: /addfeed" in await say(fake_api, ADMIN, "/addfeed")
        assert "Usage: /removefeed" in await say(fake_api, ADMIN, "/removefeed")
        assert "Unknown command /frobnicate" in await say(fake_api, KARABAKH, "/frobnicate now")
        assert "does not follow" in await say(fake_api, KARABAKH, "/unsubscribe Mars")
        bad = await say(fake_api, KARABAKH, '/subscribe "unbalanced')
        assert "Cannot follow that topic" in bad
        assert "follows no topics" in await say(fake_api, KARABAKH, "/topics")
        hostile = await say(fake_api, KARABAKH, "/subscribe <b>Armenia</b> & <script>")
        assert hostile.startswith("That topic looks like HTML markup (<b>)")  # escaped on the wire
        assert hostile.endswith("Did you mean: /subscribe Armenia &")
        assert "follows no topics" in await say(fake_api, KARABAKH, "/topics")  # nothing followed
        await say(fake_api, KARABAKH, "/subscribe Armenia")
        missing = await say(fake_api, KARABAKH, "/unsubscribe 99")
        assert missing == "There is no topic number 99: this chat follows 1 topic. See /topics."
        await say(fake_api, KARABAKH, "/unsubscribe 1")
        assert "Not added" in await say(fake_api, ADMIN, "/addfeed ftp://example.org/feed")
        assert "Not added" in await say(
            fake_api, ADMIN, f"/addfeed {feed_server.url('/page.html')}"
        )
        assert "Not added" in await say(fake_api, ADMIN, f"/addfeed {feed_server.url('/missing')}")
        assert "No feeds yet" in await say(fake_api, ADMIN, "/feeds")
        help_text = await say(fake_api, KARABAKH, "/help")
        assert "/subscribe <topic>" in help_text and "/latest [topic]" in help_text


async def test_in_a_group_only_its_admins_change_its_topics(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    group, owner, member = -1001234, 77, 78
    fake_api.set_chat_admins(group, {owner})

    async def in_group(user: int, text: str) -> str:
        before = len(fake_api.messages(group))
        fake_api.send_text(group, text, user_id=user, title="Caucasus desk")
        await fake_api.wait_for_messages(group, before + 1, timeout=15)
        return text_of(fake_api.messages(group)[before])

    async with bot_running(settings):
        assert "Only this group's admins" in await in_group(member, "/subscribe Armenia")
        assert "Following Armenia" in await in_group(owner, "/subscribe Armenia")
        assert "Only this group's admins" in await in_group(member, "/unsubscribe Armenia")
        assert "Armenia" in await in_group(member, "/topics")  # reading is for everyone
