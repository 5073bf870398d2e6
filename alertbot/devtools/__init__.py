"""Development fakes: a fake Telegram Bot API and a feed server on loopback, and seed stories.

Used by the end-to-end tests, the benchmark and the offline demo; never by the bot itself.
"""

from __future__ import annotations

from alertbot.devtools.fake_bot_api import (
    FakeBotApi,
    FloodLimits,
    SentDocument,
    SentMessage,
    links_of,
    text_of,
)
from alertbot.devtools.feed_server import FeedServer, RequestRecord
from alertbot.devtools.seed_feed import (
    RssItem,
    SeedStory,
    load_seed_stories,
    rss_document,
    seed_item,
)

__all__ = [
    "FakeBotApi",
    "FeedServer",
    "FloodLimits",
    "RequestRecord",
    "RssItem",
    "SeedStory",
    "SentDocument",
    "SentMessage",
    "links_of",
    "load_seed_stories",
    "rss_document",
    "seed_item",
    "text_of",
]
