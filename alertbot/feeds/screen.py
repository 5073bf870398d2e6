"""What a chat may show: no bidirectional or control characters, no forbidden references."""

from __future__ import annotations

import re
from dataclasses import replace

from ..models import Entry, ParsedFeed

__all__ = ["CHARREF_RE", "screen_safe", "strip_bad_charrefs"]

CHARREF_RE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")
# Bidirectional controls (a right-to-left override turns "gpj.exe" into "exe.jpg" on
# screen) and C0/C1 control characters other than tab and newline: never shown to anyone.
_UNSHOWABLE = dict.fromkeys(
    [
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200E,
        0x200F,
        0x061C,
        *(c for c in range(0x20) if c not in (0x09, 0x0A)),
        *range(0x7F, 0xA0),
    ]
)
# Most texts hold none of them: one scan finds that, where translate would copy the text.
_UNSHOWABLE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _UNSHOWABLE) + "]")


def strip_bad_charrefs(content: bytes) -> tuple[bytes, int]:
    """`content` without numeric character references to characters XML forbids."""
    removed = 0

    def fix(match: re.Match[bytes]) -> bytes:
        nonlocal removed
        hex_digits, decimal = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(decimal)
        if _xml_char(code):
            return match.group(0)
        removed += 1
        return b""

    return CHARREF_RE.sub(fix, content), removed


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def screen_safe(parsed: ParsedFeed) -> ParsedFeed:
    """Every text a chat may show, without bidirectional or control characters."""
    return replace(
        parsed,
        title=_one_line(parsed.title),
        entries=tuple(_screened(e) for e in parsed.entries),
    )


def _screened(entry: Entry) -> Entry:
    title, summary, content = (
        _one_line(entry.title),
        _showable(entry.summary),
        _showable(entry.content),
    )
    if title == entry.title and summary is entry.summary and content is entry.content:
        return entry  # the usual case: nothing to take out, no copy made
    return replace(entry, title=title, summary=summary, content=content)


def _showable(text: str) -> str:
    return text.translate(_UNSHOWABLE) if _UNSHOWABLE_RE.search(text) else text


def _one_line(text: str) -> str:
    return " ".join(_showable(text).split())
