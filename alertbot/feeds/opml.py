"""OPML import and export of the feed list (what other feed readers exchange). Pure."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

__all__ = ["OpmlError", "parse_opml", "to_opml"]

# Entity declarations are how XML bombs expand; OPML never needs them. NULs are dropped
# first so that UTF-16 documents are searched too.
_DECLARATION_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class OpmlError(ValueError):
    """The data is not a usable OPML document; str() says why."""


def parse_opml(data: bytes) -> list[tuple[str, str]]:
    """(xmlUrl, title) for every feed outline, nested folders flattened, first of duplicates."""
    if not data.strip():
        raise OpmlError("the OPML file is empty")
    if _DECLARATION_RE.search(data.replace(b"\x00", b"")):
        raise OpmlError("OPML files with DOCTYPE or ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not valid XML ({exc})") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"not an OPML file (the root element is <{root.tag}>)")
    feeds: list[tuple[str, str]] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        # Exporters disagree on the attribute's case (xmlUrl, xmlurl, xmlURL).
        attrs = {name.lower(): value.strip() for name, value in outline.attrib.items()}
        url = attrs.get("xmlurl", "")
        if url and url not in seen:
            seen.add(url)
            feeds.append((url, attrs.get("title") or attrs.get("text") or url))
    return feeds


def to_opml(feeds: Iterable[tuple[str, str]], *, title: str = "AlertBot feeds") -> bytes:
    """An OPML 2.0 document listing the feeds as (url, title) pairs."""
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = title
    body = ET.SubElement(root, "body")
    for url, feed_title in feeds:
        name = feed_title or url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=url)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
