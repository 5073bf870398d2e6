"""Turn a feed item's HTML into the plain text a reader would see, minus publisher furniture.

Pure functions. Line-based: block elements become line breaks so that related-link lines
("Baca juga: ...") and page furniture ("0 Komentar", "close") can be dropped whole, and
the stories they name never trigger alerts for unrelated topics.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["clean", "html_to_text", "strip_boilerplate"]

# Elements that start a new line of text for a reader.
_BLOCK_TAG_NAMES = (
    "address article aside blockquote br caption dd details div dl dt figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table "
    "tbody td tfoot th thead tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_TAG_RE = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9-]*[\s/>]|/[a-zA-Z]|!--)")
_SPACE_RE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            # Source newlines are plain whitespace in HTML; only tags make lines.
            self.parts.append(_SPACE_RE.sub(" ", data))


def _tidy_lines(text: str) -> str:
    """Collapse whitespace inside each line and drop empty lines."""
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def html_to_text(html_text: str) -> str:
    """Markup removed, entities decoded, one line per block element, no blank lines."""
    parser = _TextExtractor()
    parser.feed(html_text)
    parser.close()
    return _tidy_lines("".join(parser.parts))


# Related-link lines: these phrases are furniture whatever follows them.
_RELATED_ALWAYS = (
    r"baca\s+(?:juga|pula|selengkapnya)|lihat\s+(?:juga|pula)|simak\s+(?:juga|pula)"
    r"|berita\s+terkait|artikel\s+terkait|also\s+read|read\s+also"
)
# These open real sentences too ("Related talks ..."), so they need a separator or a bare line.
_RELATED_SEPARATED = (
    r"read\s+more|see\s+also|related(?:\s+(?:stories|articles|news|posts|coverage|content))?"
)
_BULLETS = r"[\s•·◦▪■►▶»>*|\-–—]*"
_SEPARATOR = r"\s*(?:[:：|»›>\-–—]|$)"
_RELATED_RE = re.compile(
    rf"^{_BULLETS}(?:(?:{_RELATED_ALWAYS})\b|(?:{_RELATED_SEPARATED}){_SEPARATOR})",
    re.IGNORECASE,
)
_FURNITURE_RE = re.compile(
    r"^(?:source|sumber|close|tutup|share|bagikan|share this(?: article| story)?"
    r"|advertisement|iklan|scroll to continue(?: with content)?|scroll untuk melanjutkan"
    r"|continue reading|komentar|comments?|no comments|\d+\s+(?:komentar|comments?))[\s.:]*$",
    re.IGNORECASE,
)
# Some pages glue a "source" link label to the last sentence: '... paparnya. source'.
_TRAILING_SOURCE_RE = re.compile(r"([.!?…][\"”’')]?)\s+source$", re.IGNORECASE)


def strip_boilerplate(text: str) -> str:
    """Drop related-link lines and whole-line page furniture; keep every real sentence."""
    kept: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _RELATED_RE.match(line) or _FURNITURE_RE.match(line):
            continue
        kept.append(_TRAILING_SOURCE_RE.sub(r"\1", line))
    return "\n".join(kept)


def _looks_like_html(text: str) -> bool:
    return bool(_TAG_RE.search(text))


def clean(html_or_text: str) -> str:
    """Plain, furniture-free text from an item's HTML (or already-plain text)."""
    if _looks_like_html(html_or_text):
        text = html_to_text(html_or_text)
    else:
        # Plain text keeps its own line breaks; entities still appear in such feeds.
        text = _tidy_lines(html.unescape(html_or_text))
    return strip_boilerplate(text)
