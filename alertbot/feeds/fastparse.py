"""A fast path for well-formed feeds: the stdlib's C ElementTree instead of feedparser.

`parse_fast` turns the feeds it fully understands into the same loose dicts feedparser makes
(the keys `parse.py`'s adapter reads: id, link, title, title_detail, summary, content,
published_parsed, updated_parsed, ttl), following feedparser 6.0's own rules: which element
wins, guids resolved against `xml:base` unless `isPermaLink="false"`, a permalink guid
standing in for a missing link, HTML guessed in RSS titles, Media RSS titles and
descriptions reaching the item (the tables are in `fastparse_rules`). Where it can it calls
feedparser's own helpers (date parsing, URL joining, the HTML guess), so both paths agree.

Anything else raises `Refused` and the caller uses feedparser: a document the gate
(fastparse_gate.py) turns away, one that is not well-formed, is not RSS 2.0, RSS 1.0 or
Atom 1.0, or holds an element it has no rule for.
"""

from __future__ import annotations

import contextlib
import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri

from .fastparse_gate import MAX_BYTES, Refused, check_document
from .fastparse_rules import (
    CONTAINERS,
    FOREIGN,
    INERT,
    KINDS,
    MEDIA_KINDS,
    PERSON_PARTS,
    PREFIXES,
)

__all__ = ["MAX_BYTES", "PLAIN_URL_RE", "FastFeed", "Refused", "parse_fast"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_RDF_ABOUT = _RDF + "about"
_HTML_TYPES = _FeedParserMixin.html_types
_looks_like_html = _FeedParserMixin.looks_like_html
_map_type = _FeedParserMixin.map_content_type
_ENTITY_REF_RE = re.compile("&([A-Za-z0-9_]+);")


@dataclass
class FastFeed:
    version: str
    feed: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)


def parse_fast(content: bytes, *, base_url: str, content_type: str | None = None) -> FastFeed:
    """Parse a well-formed UTF-8 RSS 2.0 / RSS 1.0 / Atom 1.0 document, or raise Refused."""
    check_document(content, content_type)
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise Refused(f"not well-formed: {exc}") from None
    base = _base(base_url, root)
    if root.tag == "rss" and root.get("version") == "2.0":
        channels = [c for c in root if c.tag == "channel"]
        if len(channels) != 1 or len(root) != 1:
            raise Refused("an <rss> without exactly one <channel>")
        channel = channels[0]
        items = [c for c in channel if c.tag == "item"]
        feed = _fields(channel, _base(base, channel), "rss20", skip="item", entry=False)
        return FastFeed("rss20", feed, [_item(i, _base(base, channel), "rss20") for i in items])
    if root.tag == _ATOM + "feed":
        feed = _fields(root, base, "atom10", skip=_ATOM + "entry", entry=False)
        entries = [c for c in root if c.tag == _ATOM + "entry"]
        return FastFeed("atom10", feed, [_item(e, base, "atom10") for e in entries])
    if root.tag == _RDF + "RDF":
        channels = [c for c in root if c.tag == _RSS1 + "channel"]
        others = {c.tag for c in root} - {
            _RSS1 + t for t in ("channel", "item", "image", "textinput")
        }
        if len(channels) != 1 or others:
            raise Refused("an RDF document that is not plain RSS 1.0")
        feed = _fields(channels[0], _base(base, channels[0]), "rss10", skip="", entry=False)
        items = [c for c in root if c.tag == _RSS1 + "item"]
        return FastFeed("rss10", feed, [_item(i, base, "rss10") for i in items])
    raise Refused(f"unknown document element {root.tag!r}")


def _base(parent: str, element: ET.Element) -> str:
    """feedparser's base URI inside `element`: its xml:base (or base) against the parent's."""
    if not element.attrib:
        return parent
    given = element.get(_XML_BASE) or element.get("base")
    if not given:
        return parent
    joined: str = make_safe_absolute_uri(parent, given) or parent
    return joined


@functools.lru_cache(maxsize=1024)
def _key(tag: str) -> tuple[str, str]:
    if tag[:1] != "{":
        return "", tag.lower()
    uri, _, name = tag[1:].partition("}")
    prefix = PREFIXES.get(uri.lower(), FOREIGN.get(uri))
    if prefix is None:
        raise Refused(f"an element in a namespace feedparser does not know: {tag!r}")
    return prefix, name.lower()


# An absolute http(s) URL that urljoin (and feedparser's slash fixer) returns unchanged: an
# ASCII host, no whitespace, a query and fragment that are absent or non-empty.
PLAIN_URL_RE = re.compile(
    r"https?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+(?:/[^\s?#]*)?(?:\?[^\s#]+)?(?:#\S+)?\Z"
)


@functools.lru_cache(maxsize=16384)  # a feed repeats most links from one poll to the next
def _join(base: str, uri: str) -> str:
    """feedparser's _urljoin, without its cost for the URLs it would leave as they are."""
    if PLAIN_URL_RE.match(uri):
        return uri
    joined: str = _urljoin(base, uri)
    return joined


def _attrs(element: ET.Element) -> dict[str, str]:
    return {k.lower(): v for k, v in element.attrib.items() if k[:1] != "{"}


def _text(element: ET.Element) -> str:
    if len(element):
        raise Refused(f"markup inside <{element.tag}>")
    return (element.text or "").strip()


def _fix(text: str) -> str:
    """What feedparser does to every text it keeps from a UTF-8 document: it takes text that
    re-encodes as Latin-1 into valid UTF-8 for double-encoded, and maps C1 controls as
    Windows-1252. Neither changes ASCII."""
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_cp1252)


def _item(element: ET.Element, base: str, version: str) -> dict[str, Any]:
    return _fields(element, _base(base, element), version, skip="", entry=True)


@dataclass
class _State:
    """What feedparser tracks while it reads one item (or the channel)."""

    out: dict[str, Any]
    depths: dict[str, int] = field(default_factory=dict)  # its property_depth_map
    title_depth: int = -1
    has_content: bool = False

    def store(self, key: str, value: object, depth: int) -> None:
        """A value kept unless one was already kept from a shallower element."""
        if depth <= self.depths.get(key, depth):
            self.depths[key] = depth
            self.out[key] = value


def _fields(
    element: ET.Element, base: str, version: str, *, skip: str, entry: bool
) -> dict[str, Any]:
    """An item's (or a channel's) keys, children taken in document order as feedparser does."""
    state = _State({})
    about = element.get(_RDF_ABOUT) if entry else None
    if about:
        state.out["id"] = about
    _walk(element, base, version, state, skip=skip, entry=entry, depth=0)
    return state.out


def _walk(
    element: ET.Element,
    base: str,
    version: str,
    state: _State,
    *,
    skip: str,
    entry: bool,
    depth: int,
) -> None:
    out = state.out
    for child in element:
        if child.tag == skip:
            continue
        key = _key(child.tag)
        kind = KINDS.get(key) or (MEDIA_KINDS.get(key) if entry else None)
        if kind is None:
            if key in INERT and not len(child):
                continue
            if key in CONTAINERS and not entry:
                continue
            raise Refused(f"no rule for <{child.tag}> here")
        here = _base(base, child)
        if kind == "media":
            if depth >= 2:
                raise Refused("media elements nested too deep")
            _walk(child, here, version, state, skip="", entry=entry, depth=depth + 1)
            continue
        attrs = _attrs(child)
        if kind == "person":
            if any(_key(part.tag) not in PERSON_PARTS or len(part) for part in child):
                raise Refused("an author with unexpected insides")
            continue
        if kind == "link":
            href = attrs.get("url", attrs.get("uri", attrs.get("href")))  # _enforce_href
            if href:
                attrs["href"] = href
            if "href" in attrs:
                href = attrs["href"]
                rel = attrs.get("rel", "alternate")
                kind_of = attrs.get(
                    "type", "application/atom+xml" if rel == "self" else "text/html"
                )
                if rel == "alternate" and _map_type(kind_of) in _HTML_TYPES:
                    out["link"] = _join(here, href)
                continue
            value = _text(child)
            value = _fix(_join(here, value) if value else value)
            if entry:
                value = value.replace("&amp;", "&")
            out["link"] = _ENTITY_REF_RE.sub(r"&\g<1>", value)
            continue
        if kind in ("title", "media title", "description", "summary", "content", "encoded"):
            kind_of = _map_type(
                attrs.get(
                    "type", "text/html" if kind in ("description", "encoded") else "text/plain"
                )
            )
            if kind_of not in ("text/plain", "text/html") or "mode" in attrs or "src" in attrs:
                raise Refused(f"<{child.tag}> of type {kind_of!r}")
        value = _text(child)
        if kind == "id":
            permalink = attrs.get("ispermalink", "true") == "true"
            value = _fix(_join(here, value) if value and permalink else value)
            state.store("id", value, depth)
            if permalink:
                out.setdefault("link", value)
        elif kind in ("title", "media title"):
            if -1 < state.title_depth <= depth:
                continue  # a title was kept already, from this depth or a shallower one
            value = _fix(value)
            if (
                not version.startswith("atom")
                and kind_of == "text/plain"
                and _looks_like_html(value)
            ):
                kind_of = "text/html"
            state.store("title", value, depth)
            out["title_detail"] = {"type": kind_of}
            if value and kind == "title":  # media:title restores the depth it found
                state.title_depth = depth
        elif kind in ("description", "summary"):
            if "summary" in out and not state.has_content:
                state.has_content = True
                out.setdefault("content", []).append({"value": _fix(value)})
            else:
                state.store("summary", _fix(value), depth)
        elif kind in ("content", "encoded"):
            state.has_content = True
            out.setdefault("content", []).append({"value": _fix(value)})
            out.setdefault("summary", _fix(value))
        elif kind == "published":
            out["published_parsed"] = _parse_date(_fix(value))
        elif kind == "updated":
            out["updated_parsed"] = _parse_date(_fix(value))
        elif kind == "ttl":
            state.store("ttl", _fix(value), depth)
