"""Text normal form for matching, and the way back from it to the original text.

The normal form is a sequence of lower-case, accent-free tokens joined by single spaces:
runs of letters, runs of digits (so "COVID19", "Covid-19" and "covid 19" agree) and single
CJK characters (scripts written without spaces match inside words). Everything else — dashes,
quotes, apostrophes, punctuation — separates tokens; soft hyphens and invisible joiners vanish.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

__all__ = ["display_form", "locate", "normalise", "tokens"]

# Diacritic blocks whose marks are dropped; other scripts' marks (Indic vowel signs) stay in
# their words, because there they are letters rather than accents.
_STRIPPED_MARKS = (
    (0x0300, 0x036F),  # combining diacritical marks (Latin, Greek, Cyrillic accents)
    (0x0483, 0x0489),  # Cyrillic titlo and friends
    (0x0591, 0x05C7),  # Hebrew points
    (0x0610, 0x061A),  # Arabic honorifics
    (0x064B, 0x065F),  # Arabic harakat
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFE20, 0xFE2F),
    (0xE0100, 0xE01EF),
)
_INVISIBLE = "\u00ad\u0640\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"  # noqa: E501
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


def _build() -> tuple[dict[int, str | None], str]:
    table: dict[int, str | None] = {cp: None for lo, hi in _STRIPPED_MARKS for cp in range(lo, hi + 1)}
    table.update({ord(c): None for c in _INVISIBLE})
    # Letters with a stroke are accents too; modifier apostrophes are apostrophes.
    table.update({ord(k): v for k, v in zip("ıłđøħŧ", "ildoht", strict=True)})
    table.update({0x02BB: " ", 0x02BC: " "})
    marks: list[int] = []
    for cp in range(0x20000):
        category = unicodedata.category(chr(cp))
        if category == "Nd" and cp > 0x7F:
            table[cp] = str(unicodedata.decimal(chr(cp)))
        elif category[0] == "M" and cp not in table:
            marks.append(cp)
    # A character class of ranges: one of two thousand single characters is slow to test.
    ranges: list[list[int]] = []
    for cp in marks:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return table, "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


_TABLE, _MARKS = _build()
_DISPLAY_TABLE = {ord(c): None for c in _INVISIBLE} | {0x0130: "i", 0x02BB: " ", 0x02BC: " "}
_TOKEN = re.compile(rf"[{_CJK}][{_MARKS}]*|(?:[^\W\d_{_CJK}][{_MARKS}]*)+|\d+")
_CHUNK = re.compile(r"\S+")


def _fold(text: str) -> str:
    # NFKD first so casefold sees base letters (ℌ -> H -> h), again after casefold in case
    # it produced composed characters; the table then drops the separated accents.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return folded.translate(_TABLE)


def tokens(text: str) -> list[str]:
    """The normal form's tokens."""
    return _TOKEN.findall(_fold(text))


def normalise(text: str) -> str:
    """Idempotent normal form used for matching: 'Nagorno–Karabakh' -> 'nagorno karabakh'."""
    return " ".join(_TOKEN.findall(_fold(text)))


def display_form(text: str) -> str:
    """Readable form of a query term: lower case and spaced like the normal form, accents kept."""
    lowered = unicodedata.normalize("NFKC", text).translate(_DISPLAY_TABLE).casefold()
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFKC", lowered)))


def _spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Each normal-form token of `text` with the span of original text it came from."""
    for chunk in _CHUNK.finditer(text):
        word, base = chunk.group(), chunk.start()
        if word.isascii():  # folding is then lower() and keeps offsets
            for m in _TOKEN.finditer(word.lower()):
                yield m.group(), base + m.start(), base + m.end()
            continue
        pieces: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(word):
            piece = _fold(char)
            pieces.append(piece)
            origin.extend([i] * len(piece))
        for m in _TOKEN.finditer("".join(pieces)):
            start, end = origin[m.start()], origin[m.end() - 1] + 1
            while end < len(word) and unicodedata.combining(word[end]):
                end += 1  # keep the accents that followed the last letter
            yield m.group(), base + start, base + end


def locate(text: str, variants: Sequence[tuple[tuple[str, ...], bool]]) -> str | None:
    """The original text of the first occurrence of any variant (token sequence, is_prefix).

    Returns None when none occurs (only when folding one character at a time disagrees with
    folding the whole text, which needs several stacked accents in a non-Latin script).
    """
    seen: list[tuple[str, int, int]] = []
    for span in _spans(text):
        seen.append(span)
        for words, prefix in variants:
            k = len(words)
            if k > len(seen) or not words:
                continue
            window = seen[-k:]
            if all(w == s[0] for w, s in zip(words[:-1], window, strict=False)) and (
                window[-1][0].startswith(words[-1]) if prefix else window[-1][0] == words[-1]
            ):
                return text[window[0][1] : window[-1][2]]
    return None
