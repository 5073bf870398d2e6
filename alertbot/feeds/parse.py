"""Feed bytes -> ParsedFeed: a fast path for well-formed feeds, feedparser for the rest.

Pure: never given a URL to fetch.

The adapter between feedparser's loose dicts and the frozen models: links made absolute,
text cleaned of markup and publisher furniture, dates in UTC.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import xml.sax
import zlib
from calendar import timegm
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from ..models import Entry, ParsedFeed
from .cleaning import clean, html_to_text
from .fastparse import PLAIN_URL_RE, Refused, parse_fast
from .screen import CHARREF_RE, screen_safe, strip_bad_charrefs

__all__ = [
    "CHECK_EVERY",
    "DISAGREED",
    "NotAFeed",
    "parse_fast_path",
    "parse_feed",
    "parse_with_feedparser",
    "screen_safe",
    "strip_bad_charrefs",
]

log = logging.getLogger(__name__)

# One fast parse in this many is checked against feedparser (1: every one, as tests do).
CHECK_EVERY = 64
# Feed URLs the fast path disagreed on in this process: feedparser parses them from then on.
DISAGREED: set[str] = set()

_TITLE_FROM_SUMMARY = 80
_XML_ENCODING_RE = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"""
)
_LEADING_NOISE_RE = re.compile(rb"^(?:\s|\xef\xbb\xbf|<\?xml[^>]*\?>|<!--.*?-->)*", re.DOTALL)
_HTML_RE = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_UNICODE_ENCODINGS = ("utf-8", "utf-16", "utf-32", "utf-8-sig")


class NotAFeed(ValueError):
    """The document is not an RSS or Atom feed; str() says what it looks like instead."""


def parse_feed(content: bytes, *, base_url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS/Atom bytes; relative links resolve against base_url (the fetched URL).

    Raises NotAFeed for an empty document, an HTML page, JSON, or anything without a feed.
    A malformed feed whose entries still parse is kept, with `bozo` saying what was wrong.

    Well-formed UTF-8 feeds of a shape `fastparse` knows take its fast path; everything
    else, and every feed URL the two parsers ever disagreed on here, goes to feedparser.
    One fast parse in `CHECK_EVERY` is checked against feedparser (chosen by the body's
    hash, so a given body is always or never checked). Either way, what a chat may show
    has no bidirectional or control characters (`screen_safe`).
    """
    return screen_safe(_parse_either(content, base_url=base_url, content_type=content_type))


def _parse_either(content: bytes, *, base_url: str, content_type: str | None) -> ParsedFeed:
    if base_url not in DISAGREED:
        try:
            parsed = parse_fast_path(content, base_url=base_url, content_type=content_type)
        except Refused:
            pass
        except Exception:  # a fast-path bug must never cost a feed: feedparser reads it
            log.exception("the fast parser crashed on %s; feedparser from now on", base_url)
            DISAGREED.add(base_url)
        else:
            if zlib.crc32(content) % CHECK_EVERY:
                return parsed
            slow = parse_with_feedparser(content, base_url=base_url, content_type=content_type)
            if slow == parsed:
                return parsed
            DISAGREED.add(base_url)
            log.warning(
                "fast parser disagreed with feedparser on %s; feedparser from now on", base_url
            )
            return slow
    return parse_with_feedparser(content, base_url=base_url, content_type=content_type)


def parse_with_feedparser(
    content: bytes, *, base_url: str, content_type: str | None = None
) -> ParsedFeed:
    """feedparser, for any document."""
    header, encoding_note = _content_type_header(content, content_type)
    # A BytesIO, never bare bytes: feedparser would try bare bytes as a file name.
    # Its HTML sanitizing and link rewriting inside content would be wasted (and they are
    # half of its time): every piece of markup is turned into plain text by `clean`, and
    # script and style contents are dropped there.
    result, salvage_note = _feedparser_salvaging(content, base_url, header)
    if not result.get("version") and not result.entries:
        raise NotAFeed(f"not an RSS or Atom feed ({_what_it_looks_like(content)})")
    bozo = encoding_note or salvage_note or (_bozo_reason(result) if result.get("bozo") else None)
    return _parsed(result.feed, result.entries, base_url, bozo)


def parse_fast_path(
    content: bytes, *, base_url: str, content_type: str | None = None
) -> ParsedFeed:
    """The fast path alone; raises fastparse.Refused where parse_feed would use feedparser."""
    fast = parse_fast(content, base_url=base_url, content_type=content_type)
    return _parsed(fast.feed, fast.entries, base_url, None)


def _parsed(feed: Any, entries: Any, base_url: str, bozo: str | None) -> ParsedFeed:
    """The frozen model from feedparser-shaped dicts (either parser's)."""
    link = _absolute(feed.get("link"), base_url)
    return ParsedFeed(
        title=_title(feed) or urlsplit(link or base_url).hostname or "",
        link=link,
        entries=tuple(e for e in (_entry(raw, base_url) for raw in entries) if e),
        ttl_minutes=_ttl(feed.get("ttl")),
        bozo=bozo,
    )


def _feedparser(content: bytes, base_url: str, header: str) -> Any:
    return feedparser.parse(
        io.BytesIO(content),
        response_headers={"content-location": base_url, "content-type": header},
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def _feedparser_salvaging(content: bytes, base_url: str, header: str) -> tuple[Any, str | None]:
    """feedparser's result, and a note when bad character references had to be removed.

    A reference to a character XML forbids (`&#1;`, a lone surrogate `&#xDFFF;`, beyond
    U+10FFFF) sends feedparser to its loose parser, which crashes on some of them: the
    whole feed would be lost for one bad item. Parse again with those references removed.
    """
    try:
        result = _feedparser(content, base_url, header)
        if result.entries or not CHARREF_RE.search(content):
            return result, None
    except (ValueError, UnicodeError):  # UnicodeError is a ValueError; named for the reader
        pass
    cleaned, removed = strip_bad_charrefs(content)
    if not removed:
        return _feedparser(content, base_url, header), None
    note = f"{removed} invalid character reference{'s' if removed != 1 else ''} removed"
    return _feedparser(cleaned, base_url, header), note


def _content_type_header(content: bytes, content_type: str | None) -> tuple[str, str | None]:
    """The Content-Type to hand feedparser, and a note when the declared charset is wrong.

    feedparser follows RFC 3023, where text/xml without a charset means US-ASCII and the
    XML declaration is ignored; feeds in the wild mean "read the declaration, else UTF-8",
    which is what application/xml asks for. A legacy declared charset over bytes that are
    valid, non-ASCII UTF-8 is a stale template: read them as UTF-8 and say so.
    """
    charset = None
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            charset = value.strip(" \"'")
    match = _XML_ENCODING_RE.match(content[:512])
    declared = charset or (match.group(1).decode("ascii") if match else None)
    if declared and not _is_unicode(declared) and _is_non_ascii_utf8(content):
        note = f"declared as {declared} but the text is UTF-8; read as UTF-8"
        return "application/xml; charset=utf-8", note
    return ("application/xml; charset=" + charset if charset else "application/xml"), None


def _is_unicode(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name.startswith(_UNICODE_ENCODINGS)
    except LookupError:
        return False


def _is_non_ascii_utf8(content: bytes) -> bool:
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _what_it_looks_like(content: bytes) -> str:
    head = _LEADING_NOISE_RE.sub(b"", content[:4096], count=1)
    if not head.strip():
        return "the document is empty"
    if _HTML_RE.search(content[:4096]):
        return "looks like an HTML page"
    if head.lstrip()[:1] in (b"{", b"["):
        return "looks like JSON; JSON Feed is not supported"
    return "no <rss>, <feed> or <rdf:RDF> element found"


def _bozo_reason(result: Any) -> str:
    exc = result.get("bozo_exception")
    if isinstance(exc, xml.sax.SAXParseException):
        return f"malformed XML at line {exc.getLineNumber()}: {exc.getMessage()}"
    text = str(exc) if exc else "malformed feed"
    return text if len(text) <= 200 else text[:199] + "…"


def _entry(raw: Any, base_url: str) -> Entry | None:
    guid = (raw.get("id") or "").strip() or None
    link = _absolute(raw.get("link"), base_url)
    title = _title(raw)
    if not (guid or link or title):
        return None
    raw_summary = raw.get("summary") or ""
    summary = clean(raw_summary)
    contents = [c.get("value") or "" for c in raw.get("content") or ()]
    raw_content = max(contents, key=len) if contents else ""
    # Many feeds repeat the summary as the content: cleaning is the dearest step per item.
    content = summary if raw_content == raw_summary else clean(raw_content) if raw_content else ""
    return Entry(
        guid=guid or link,
        link=link,
        title=title or _title_from_text(summary or content),
        summary=summary,
        content=content,
        published=_utc(raw.get("published_parsed") or _updated_parsed(raw)),
    )


def _updated_parsed(item: Any) -> Any:
    # A plain get() would fall back to published_parsed with a DeprecationWarning.
    return item.get("updated_parsed") if "updated_parsed" in item else None


def _title(item: Any) -> str:
    """Plain text of an item's title; markup removed when feedparser says it is HTML."""
    title = item.get("title") or ""
    kind = (item.get("title_detail") or {}).get("type") or ""
    text = html_to_text(title) if "html" in kind else title
    return " ".join(text.split())


def _title_from_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return "(untitled)"
    if len(text) <= _TITLE_FROM_SUMMARY:
        return text
    cut = text[:_TITLE_FROM_SUMMARY].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def _absolute(link: object, base_url: str) -> str | None:
    """An absolute http(s) link, or None: javascript: and friends never reach a chat."""
    if not isinstance(link, str) or not link.strip():
        return None
    if PLAIN_URL_RE.match(link):  # absolute http(s) already: urljoin would return it as is
        return link
    try:
        url = urljoin(base_url, link.strip())
        return url if urlsplit(url).scheme in ("http", "https") else None
    except ValueError:  # "http://[": a broken link, not a broken feed
        return None


def _utc(parsed: Any) -> datetime | None:
    """feedparser's *_parsed values are struct_time already normalised to UTC."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _ttl(value: object) -> int | None:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        return None
    return minutes if minutes > 0 else None
