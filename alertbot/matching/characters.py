"""The character classes of the normal form (normalise.py), built once at import.

What folding drops (accents of the scripts where they are accents, invisible characters),
what it replaces (letters with a stroke, modifier apostrophes, non-ASCII decimal digits), the
combining marks a word keeps (Indic vowel signs are letters there), and the CJK characters
that are tokens of their own.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CJK", "INVISIBLE", "MARKS", "TABLE", "TOUCHED"]

# Diacritic blocks whose marks are dropped; other scripts' marks (Indic vowel signs) stay in
# their words, because there they are letters rather than accents.
_STRIPPED = (
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
INVISIBLE = (
    "\u00ad\u0640\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)  # soft hyphen, tatweel, zero-width and direction marks
# Basic-plane ranges only, here and for marks: a character class reaching past U+FFFF is
# tested range by range and makes tokenising several times slower.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _ranges(codepoints: list[int]) -> str:
    """A character class body of consecutive runs: 'a-z'."""
    runs: list[list[int]] = []
    for cp in codepoints:
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in runs)


def _build() -> tuple[dict[int, str | None], str, str]:
    """The folding table, the marks kept inside words, and the characters the table changes."""
    table: dict[int, str | None] = {cp: None for lo, hi in _STRIPPED for cp in range(lo, hi + 1)}
    table.update(dict.fromkeys(map(ord, INVISIBLE)))
    # Letters with a stroke are accented letters too; modifier apostrophes are apostrophes.
    table.update({ord(k): v for k, v in zip("ıłđøħŧ", "ildoht", strict=True)})
    table.update({0x02BB: " ", 0x02BC: " "})
    marks: list[int] = []
    for cp in range(0x20000):
        category = unicodedata.category(chr(cp))
        if category == "Nd" and cp > 0x7F:
            table[cp] = str(unicodedata.decimal(chr(cp)))
        elif category[0] == "M" and cp < 0x10000 and cp not in table:
            marks.append(cp)
    touched = _ranges(sorted(cp for cp in table if cp < 0x10000)) + "\U00010000-\U0010ffff"
    return table, _ranges(marks), touched


TABLE, MARKS, TOUCHED = _build()  # the folding table; class bodies of marks and of its keys
