"""Turn a feed item's HTML into the plain text a reader would see, minus publisher furniture.

Pure functions. Line-based: block elements become line breaks so that related-link lines
("Baca juga: ...") and page furniture ("0 Komentar", "close") can be dropped whole, and
the stories they name never trigger alerts for unrelated topics. Related links come in three
shapes, all dropped: a line starting with a marker; a marker inside a paragraph after real
text ("... kata dia. Baca juga: Banjir di Medan"), which drops the rest of the paragraph;
and a box — a heading such as "Berita Terkait" or "Related" followed by headlines, one per
line — where the run of link-only lines (or, in plain text, headline-like lines) after the
heading goes with it.

Simple markup (most items) is split by one regular expression; anything else, or anything
it cannot vouch for, goes through html.parser, and both give the same text.
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


# Link text is wrapped in these while lines are built, so a line made only of links is known.
_LINK_OPEN, _LINK_CLOSE = "\x02", "\x03"
_LINK_RE = re.compile(f"{_LINK_OPEN}[^{_LINK_CLOSE}]*{_LINK_CLOSE}")
_LINK_MARKS = str.maketrans("", "", _LINK_OPEN + _LINK_CLOSE)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._link_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "a":
            self._link_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "a":
            self._link_depth = max(0, self._link_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            # Source newlines are plain whitespace in HTML; only tags make lines.
            text = _SPACE_RE.sub(" ", data)
            if self._link_depth and text.strip():
                text = f"{_LINK_OPEN}{text}{_LINK_CLOSE}"
            self.parts.append(text)


def _tidy_lines(text: str) -> str:
    """Collapse whitespace inside each line and drop empty lines."""
    # str.split() and the pattern's \s agree on what whitespace is; split() is the cheaper.
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _parsed_text(html_text: str) -> str:
    parser = _TextExtractor()
    parser.feed(html_text)
    parser.close()
    return _tidy_lines("".join(parser.parts))


# The markup most items carry: text without "<" between plain tags whose attribute values
# hold no "<" either. `re.split` on this pattern yields per tag: an end tag's name, a start
# tag's name, its "/" if it closes itself, then the text after it. Whitespace inside a tag is
# only what html.parser ends a tag name at; anything else is left to html.parser.
_W = r"[ \t\n\r\f]"
_VALUE = r"""(?:"[^"<]*"|'[^'<]*'|[^\s"'=<>`]+)"""
_ATTRIBUTE = rf"{_W}+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:{_W}*={_W}*{_VALUE})?"
_SIMPLE_TAG_RE = re.compile(
    rf"<(?:/([a-zA-Z][a-zA-Z0-9]*){_W}*|([a-zA-Z][a-zA-Z0-9]*)(?:{_ATTRIBUTE})*{_W}*(/?))>"
)
# Elements whose content html.parser reads (in some versions) as text, not tags.
_RAW_TEXT_TAGS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
)


def _split_text(html_text: str) -> str | None:
    """What `_parsed_text` gives, for simple markup at a fraction of its cost; None if the
    markup is not simple (a stray "<", a comment, a script), to be left to html.parser."""
    pieces = _SIMPLE_TAG_RE.split(html_text)
    if html_text.count("<") != len(pieces) // 4:
        return None
    lines: list[str] = []
    line: list[str] = []
    skip = link = 0
    for at in range(0, len(pieces), 4):
        text = pieces[at]
        if text and not skip:
            text = html.unescape(text)
            line.append(f"{_LINK_OPEN}{text}{_LINK_CLOSE}" if link and text.strip() else text)
        if at + 1 == len(pieces):
            break
        ended, started, empty = pieces[at + 1 : at + 4]
        tag = (ended or started).lower()
        if tag in _RAW_TEXT_TAGS:
            return None
        if empty and tag not in _BLOCK_TAGS:  # <a/>, <span/>: neither opens nor closes
            continue
        if tag in _SKIP_TAGS:
            skip = max(0, skip - 1) if ended else skip + 1
        elif tag == "a":
            link = max(0, link - 1) if ended else link + 1
        elif tag in _BLOCK_TAGS:
            lines.append(" ".join("".join(line).split()))
            line = []
    lines.append(" ".join("".join(line).split()))
    return "\n".join(line for line in lines if line)


def _marked_text(html_text: str) -> str:
    """Like html_to_text, with link text still wrapped in the link marks."""
    html_text = html_text.replace(_LINK_OPEN, "").replace(_LINK_CLOSE, "")
    text = _split_text(html_text)
    return _parsed_text(html_text) if text is None else text


def html_to_text(html_text: str) -> str:
    """Markup removed, entities decoded, one line per block element, no blank lines."""
    return _marked_text(html_text).translate(_LINK_MARKS)


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
# A marker after real text in the same paragraph: it and the rest of the paragraph go.
_INLINE_RELATED_RE = re.compile(
    r"\s*[(\[]?\s*\b(?:baca\s+(?:juga|pula)|lihat\s+(?:juga|pula)|simak\s+(?:juga|pula)"
    r"|read\s+also|also\s+read|see\s+also)\s*[:：].*$",
    re.IGNORECASE,
)
# A heading that announces a box of related links: the whole line is the heading.
_HEADING_RE = re.compile(
    rf"^{_BULLETS}(?:baca\s+(?:juga|pula)|lihat\s+(?:juga|pula)|simak\s+(?:juga|pula)"
    r"|berita\s+(?:terkait|lainnya|lain)|artikel\s+(?:terkait|lainnya)|topik\s+terkait"
    r"|related(?:\s+(?:stories|articles|news|posts|coverage|content|links|topics))?"
    r"|read\s+more|more\s+(?:stories|news)|more\s+from(?:\s+\S+){1,5}|also\s+read|read\s+also"
    r"|see\s+also|you\s+may\s+also\s+like|recommended)\s*[:：]?\s*$",
    re.IGNORECASE,
)
_MAX_HEADLINE_WORDS = 20
_SENTENCE_END = tuple('.!?…"”')


def _link_only(line: str) -> bool:
    return _LINK_OPEN in line and not _LINK_RE.sub("", line).strip(" •·◦▪■►▶»>*|-–—,;")


def _headline_like(line: str, from_html: bool) -> bool:
    """A line in a related-links box: only links (HTML), or a short line with no full stop."""
    if from_html:
        return _link_only(line)
    plain = line.strip(" •·◦▪■►▶»>*|-–—")
    return len(plain.split()) <= _MAX_HEADLINE_WORDS and not plain.endswith(_SENTENCE_END)


def _may_hold_inline_marker(line: str) -> bool:
    # The inline markers all end with a colon; most prose lines hold none (a cheap test
    # before the dearest pattern, which is tried at every position of a long paragraph).
    return ":" in line or "：" in line


def _may_end_with_source(line: str) -> bool:
    tail = line[-6:]
    return not tail.isascii() or tail.lower() == "source"  # the pattern ignores case


def strip_boilerplate(text: str) -> str:
    """Drop related links in every shape and whole-line furniture; keep every real sentence.

    Lines may carry link marks (from `clean`): they tell a box's headlines from prose.
    """
    from_html = _LINK_OPEN in text
    kept: list[str] = []
    in_box = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_box and line and _headline_like(line, from_html):
            continue
        in_box = False
        plain = line.translate(_LINK_MARKS).strip()
        if _HEADING_RE.match(plain):
            in_box = True
            continue
        if not plain or _RELATED_RE.match(plain) or _FURNITURE_RE.match(plain):
            continue
        if _may_hold_inline_marker(plain):
            plain = _INLINE_RELATED_RE.sub("", plain)
        if plain:
            kept.append(
                _TRAILING_SOURCE_RE.sub(r"\1", plain) if _may_end_with_source(plain) else plain
            )
    return "\n".join(kept)


def _looks_like_html(text: str) -> bool:
    return bool(_TAG_RE.search(text))


def clean(html_or_text: str) -> str:
    """Plain, furniture-free text from an item's HTML (or already-plain text)."""
    if _looks_like_html(html_or_text):
        text = _marked_text(html_or_text)
    else:
        # Plain text keeps its own line breaks; entities still appear in such feeds.
        text = _tidy_lines(html.unescape(html_or_text))
    return strip_boilerplate(text)
