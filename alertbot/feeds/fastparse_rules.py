"""The fast path's rules: what each feed element does, as feedparser 6.0 dispatches it.

Keys are (feedparser's namespace prefix, lowercased element name), the way feedparser looks
up its handlers, so an element means here what it means there. An element in none of these
tables makes the fast path refuse the document.
"""

from __future__ import annotations

import re

from feedparser.mixin import _FeedParserMixin

__all__ = [
    "CONTAINERS",
    "FOREIGN",
    "FOREIGN_RES",
    "INERT",
    "KINDS",
    "MEDIA_KINDS",
    "PERSON_PARTS",
    "PREFIXES",
]

# feedparser's prefix for each namespace it knows ("" for RSS, RSS 1.0 and Atom themselves).
PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
# Namespaces feedparser does not know but that set nothing we read, under the prefix
# feedparser then goes by (the document's own: fastparse checks the binding).
FOREIGN = {"http://www.youtube.com/xml/schemas/2015": "yt"}
FOREIGN_RES = {
    uri: re.compile(rb"""xmlns(:[^=\s]*)?\s*=\s*["']""" + re.escape(uri.encode()) + rb"""["']""")
    for uri in FOREIGN
}

# What each element does, keyed as feedparser dispatches: (namespace prefix, lowercased name).
KINDS: dict[tuple[str, str], str] = {
    ("", "title"): "title",
    ("dc", "title"): "title",
    ("", "link"): "link",
    ("", "guid"): "id",
    ("", "id"): "id",
    ("", "description"): "description",
    ("dc", "description"): "description",
    ("", "summary"): "summary",
    ("", "content"): "content",
    ("content", "encoded"): "encoded",
    ("", "pubdate"): "published",
    ("", "published"): "published",
    ("", "issued"): "published",
    ("dcterms", "issued"): "published",
    ("", "updated"): "updated",
    ("", "modified"): "updated",
    ("", "lastbuilddate"): "updated",
    ("dc", "date"): "updated",
    ("dcterms", "modified"): "updated",
    ("", "ttl"): "ttl",
    ("", "author"): "person",
    ("", "contributor"): "person",
}
# Elements that set nothing the adapter reads (when they hold no elements of their own).
INERT_NAMES = (
    "category comments enclosure source rights copyright language docs generator "
    "managingeditor webmaster cloud rating skiphours skipdays icon logo subtitle"
)
INERT = {("", name) for name in INERT_NAMES.split(" ")} | {
    ("dc", "creator"),
    ("dc", "subject"),
    ("dc", "language"),
    ("dc", "publisher"),
    ("dc", "rights"),
    ("wfw", "commentrss"),
    ("wfw", "comment"),
    ("slash", "comments"),
    ("media", "content"),
    ("media", "thumbnail"),
    ("media", "starrating"),
    ("yt", "videoid"),
    ("yt", "channelid"),
    ("media", "statistics"),
    ("feedburner", "origlink"),
    ("sy", "updateperiod"),
    ("sy", "updatefrequency"),
    ("sy", "updatebase"),
}
# Media RSS inside an item: groups and contents are walked into (feedparser reads their
# media:title and media:description as the item's own title and description).
MEDIA_KINDS: dict[tuple[str, str], str] = {
    ("media", "group"): "media",
    ("media", "content"): "media",
    ("media", "community"): "media",
    ("media", "title"): "media title",
    ("media", "description"): "description",
}
# Feed-level elements whose insides go to their own dicts in feedparser (never to ours).
CONTAINERS = {("", "image"), ("", "textinput"), ("", "items")}
PERSON_PARTS = {("", "name"), ("", "email"), ("", "uri"), ("", "url")}
