"""The demo's news site: an RSS feed on loopback that publishes the seed stories one by one.

It opens with one older welcome story (the feed's first fetch is backlog: stored, shown by
/latest, never alerted), then each `publish_next()` puts the next seed story on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem, SeedStory, rss_document, seed_item

__all__ = ["FEED_TITLE", "Newsroom", "story_link"]

FEED_TITLE = "Demo News"
PATH = "/demo.xml"
SITE = "https://news.example/demo/"

WELCOME = RssItem(
    guid=SITE + "welcome",
    title="Demo News is on the air: stories from the 2020 war over Nagorno-Karabakh follow",
    link=SITE + "welcome",
    html=(
        "<p>This local feed stands in for a news site. It publishes real Indonesian news "
        "stories about the war between Armenia and Azerbaijan, one at a time.</p>"
    ),
    published=datetime.now(UTC) - timedelta(hours=1),
)


def story_link(story: SeedStory) -> str:
    """Where the demo says a seed story was published."""
    return SITE + story.name


class Newsroom:
    """Serves the demo feed on `server` and publishes `stories` in order."""

    def __init__(self, server: FeedServer, stories: Sequence[SeedStory]) -> None:
        self.server = server
        self.waiting = list(stories)
        self.items: list[RssItem] = [WELCOME]
        self._serve()

    @property
    def url(self) -> str:
        return self.server.url(PATH)

    @property
    def published(self) -> int:
        """Stories on the feed, the welcome story included."""
        return len(self.items)

    def publish_next(self) -> SeedStory | None:
        """Put the next story on top of the feed; None when every story is out."""
        if not self.waiting:
            return None
        story = self.waiting.pop(0)
        item = seed_item(story, link=story_link(story), published=datetime.now(UTC))
        self.items.insert(0, item)
        self._serve()
        return story

    def _serve(self) -> None:
        document = rss_document(
            self.items,
            title=FEED_TITLE,
            link=SITE,
            description="A local feed publishing the AlertBot seed stories",
        )
        self.server.set(PATH, document)
