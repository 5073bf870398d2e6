"""The seed stories and a tiny RSS 2.0 writer, to publish them one at a time (demo, tests).

Pure apart from reading the packaged seed files.
"""

from __future__ import annotations

import html
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib.resources import files

__all__ = [
    "RssItem",
    "SeedStory",
    "load_seed_stories",
    "parse_seed",
    "rss_document",
    "seed_item",
]

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ET.register_namespace("content", CONTENT_NS)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class SeedStory:
    """A story as a reader copied it from the publisher's page."""

    name: str  # the file's stem, e.g. "001_ead8aff7d69fa291"
    title: str
    paragraphs: tuple[str, ...]
    section: str | None = None  # a label above the headline, when the page had one

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def html(self) -> str:
        return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in self.paragraphs)


@dataclass(frozen=True)
class RssItem:
    guid: str
    title: str
    link: str
    html: str  # the story's body as HTML
    published: datetime  # timezone-aware


def parse_seed(name: str, text: str) -> SeedStory:
    """Headline and paragraphs of a seed file.

    The headline is the first line, unless the second line is not blank: then the first is
    a section label (000 starts with "Perang Azerbaijan dan Armenia") and the second is the
    headline. Every other non-blank line is a paragraph, page furniture included.
    """
    lines = [line.strip() for line in text.strip().splitlines()]
    section = None
    if len(lines) > 1 and lines[1]:
        section, lines = lines[0], lines[1:]
    return SeedStory(name, lines[0], tuple(line for line in lines[1:] if line), section)


def load_seed_stories() -> list[SeedStory]:
    """The packaged seed stories, in file-name order."""
    seeds = files("alertbot.devtools").joinpath("seeds")
    paths = sorted((p for p in seeds.iterdir() if p.name.endswith(".txt")), key=lambda p: p.name)
    return [parse_seed(p.name.removesuffix(".txt"), p.read_text(encoding="utf-8")) for p in paths]


def seed_item(story: SeedStory, *, link: str, published: datetime) -> RssItem:
    """The story as a feed item whose guid is its link."""
    return RssItem(guid=link, title=story.title, link=link, html=story.html, published=published)


def rss_document(
    items: Sequence[RssItem],
    *,
    title: str = "Demo News",
    link: str = "http://127.0.0.1/",
    description: str = "Stories published by the AlertBot demo",
) -> bytes:
    """A valid RSS 2.0 document: a short description and the full HTML in content:encoded."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, value in (("title", title), ("link", link), ("description", description)):
        ET.SubElement(channel, tag).text = value
    for item in items:
        element = ET.SubElement(channel, "item")
        ET.SubElement(element, "title").text = item.title
        ET.SubElement(element, "link").text = item.link
        permalink = "true" if item.guid == item.link else "false"
        ET.SubElement(element, "guid", isPermaLink=permalink).text = item.guid
        published = item.published.astimezone(UTC)
        ET.SubElement(element, "pubDate").text = format_datetime(published, usegmt=True)
        ET.SubElement(element, "description").text = _summary(item.html)
        ET.SubElement(element, f"{{{CONTENT_NS}}}encoded").text = item.html
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document


def _summary(body_html: str) -> str:
    """The first paragraph as plain text, at most about 200 characters."""
    first = _TAG.sub(" ", body_html.split("</p>", 1)[0])
    return textwrap.shorten(html.unescape(first), 200, placeholder="…")
