"""Find the feeds an HTML page advertises, for /addfeed given a site's page. Pure."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

__all__ = ["FEED_TYPES", "discover_feeds"]

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base_href: str | None = None
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").strip() for name, value in attrs}
        if tag == "base" and values.get("href") and self.base_href is None:
            self.base_href = values["href"]  # the first <base> counts, for every link
            return
        if tag != "link" or not values.get("href"):
            return
        rels = values.get("rel", "").lower().split()
        mime = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and mime in FEED_TYPES:
            self.hrefs.append(values["href"])

    handle_startendtag = handle_starttag


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Absolute URLs of the page's RSS/Atom <link rel="alternate">s, in order, once each."""
    parser = _FeedLinks()
    parser.feed(html.decode("utf-8", errors="replace"))
    parser.close()
    base = urljoin(base_url, parser.base_href or "")
    found: list[str] = []
    for url in (urljoin(base, href) for href in parser.hrefs):
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found
