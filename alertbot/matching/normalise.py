"""Text normal form for matching, and the way back from it to the original text.

The normal form is a sequence of lower-case, accent-free tokens joined by single spaces:
runs of letters, runs of digits (so "COVID19", "Covid-19" and "covid 19" agree) and single
CJK characters (scripts written without spaces match inside words). Everything else — dashes,
quotes, punctuation — separates tokens; soft hyphens and invisible joiners vanish.

Before folding, three things a reader does not see as word breaks are undone: an apostrophe
inside a word vanishes (Ma'ruf is "maruf", so neither half matches on its own; a French
elision such as l'OTAN still separates), an English
possessive 's goes (Georgia's is "georgia"), and a hashtag splits at its case changes
(#LongsorSumedang is "longsor sumedang"). `searchable` adds the joined form of every dashed
compound (cease-fire: also "ceasefire"), so a joined query word finds the dashed spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

__all__ = ["Variant", "Words", "display_form", "normalise", "prepare", "searchable", "tokens"]

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
_INVISIBLE = (
    "\u00ad\u0640\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)  # soft hyphen, tatweel, zero-width and direction marks
# Basic-plane ranges only, here and for marks: a character class reaching past U+FFFF is
# tested range by range and makes tokenising several times slower.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


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
    table.update(dict.fromkeys(map(ord, _INVISIBLE)))
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


_TABLE, _MARKS, _TOUCHED = _build()
_NEEDS_TABLE = re.compile(f"[{_TOUCHED}]")
_DISPLAY_TABLE = dict.fromkeys(map(ord, _INVISIBLE)) | {0x0130: "i", 0x02BB: " ", 0x02BC: " "}
_TOKEN = re.compile(rf"(?:[^\W\d_{_CJK}]+[{_MARKS}]*)+|[{_CJK}][{_MARKS}]*|\d+")
_CHUNK = re.compile(r"\S+")
_ASCII_TOKEN = re.compile(r"[a-z]+|[0-9]+")  # _TOKEN on folded ASCII text, several times faster

_APOSTROPHES = "'’ʼʻ‘`´"
_LETTER = rf"[^\W\d_{_CJK}]"  # CJK characters are tokens of their own, not word letters
# Possessive first (the apostrophe and the s go), then an apostrophe between letters, then a
# hashtag; every other apostrophe is a separator like any punctuation.
# A French elision (l'OTAN, d'Ivoire) keeps its break: one letter before the apostrophe;
# modifier-letter apostrophes (Oʻzbekiston) are letters, so they always join.
_PREPARE = re.compile(  # each branch starts with its character, so the scan skips ahead fast
    rf"[{_APOSTROPHES}](?<={_LETTER}[{_APOSTROPHES}])[sS](?![^\W_])"
    rf"|[{_APOSTROPHES}](?<={_LETTER}{_LETTER}[{_APOSTROPHES}])(?={_LETTER})"
    rf"|[ʼʻ](?<={_LETTER}[ʼʻ])(?={_LETTER})"
    r"|#([^\W_]+)"
)
_PREPARE_HINT = re.compile(f"[{_APOSTROPHES}#]")
_DASH_CHARS = "-‐‑‒–—―−﹣－"
_DASH = re.compile(f"[{_DASH_CHARS}]")
_JOINING_DASH = re.compile(f"[{_DASH_CHARS}](?<=[^\\W_][{_DASH_CHARS}])(?=[^\\W_])")
_SPACE = re.compile(r"\s")


def _camel_split(word: str) -> str:
    """'LongsorSumedang' -> 'Longsor Sumedang', 'UNSummit' -> 'UN Summit', 'Covid19' kept."""
    out: list[str] = []
    for i, char in enumerate(word):
        if i and char.isupper():
            before = word[i - 1]
            after = word[i + 1] if i + 1 < len(word) else ""
            if before.islower() or (before.isupper() and after.islower()):
                out.append(" ")
        out.append(char)
    return "".join(out)


def _replacement(m: re.Match[str]) -> str:
    return _camel_split(m.group(1)) if m.group(1) else ""


def prepare(text: str) -> str:
    """Apostrophes inside words and possessives removed, hashtags split (case kept)."""
    if not _PREPARE_HINT.search(text):
        return text
    return _PREPARE.sub(_replacement, text)


def _prepare_mapped(text: str) -> tuple[str, list[int]]:
    """Like `prepare`, with each output character's offset in `text`."""
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for m in _PREPARE.finditer(text):
        pieces.append(text[last : m.start()])
        origin.extend(range(last, m.start()))
        if m.group(1):
            k = m.start(1)
            for char in _camel_split(m.group(1)):
                pieces.append(char)
                origin.append(k)
                k += char != " "
        last = m.end()
    pieces.append(text[last:])
    origin.extend(range(last, len(text)))
    return "".join(pieces), origin


def _fold(text: str) -> str:
    if text.isascii():  # most news text: nothing to decompose, casefold is lower()
        return text.lower()
    # NFKD first so casefold sees base letters (ℌ -> H -> h), again after casefold in case
    # it produced composed characters; the table then drops the separated accents.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return folded.translate(_TABLE) if _NEEDS_TABLE.search(folded) else folded


def _tokens(folded: str) -> list[str]:
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


def tokens(text: str) -> list[str]:
    """The normal form's tokens."""
    return _tokens(_fold(prepare(text)))


def normalise(text: str) -> str:
    """Idempotent normal form used for matching: 'Nagorno–Karabakh' -> 'nagorno karabakh'."""
    return " ".join(_tokens(_fold(prepare(text))))


def searchable(text: str) -> str:
    """The padded normal form patterns are looked for in, then each dashed compound joined.

    Compounds follow on lines of their own (" \n ceasefire "): a pattern is spaces and
    tokens, so none can run from the text into them or from one into the next.
    """
    prepared = prepare(text)
    out = " " + " ".join(_tokens(_fold(prepared))) + " "
    seen: set[int] = set()
    for dash in _JOINING_DASH.finditer(prepared):  # few: found by one C-level scan
        start, end = _word_around(prepared, dash.start())
        if start in seen:
            continue
        seen.add(start)
        joined = " ".join(_tokens(_fold(_DASH.sub("", prepared[start:end]))))
        out += f"\n {joined} "
    return out


def _word_around(text: str, at: int) -> tuple[int, int]:
    """The whitespace-delimited chunk around position `at`."""
    start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at), text.rfind("\t", 0, at)) + 1
    after = _SPACE.search(text, at)
    return start, len(text) if after is None else after.start()


def display_form(text: str) -> str:
    """Readable form of a query term: lower case and spaced like the normal form, accents kept."""
    lowered = unicodedata.normalize("NFKC", prepare(text)).translate(_DISPLAY_TABLE).casefold()
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFKC", lowered)))


def _spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Each normal-form token of `text` with the span of original text it came from."""
    if text.isascii() and not _PREPARE_HINT.search(text):  # lower() keeps offsets
        for m in _ASCII_TOKEN.finditer(text.lower()):
            yield m.group(), m.start(), m.end()
        return
    for chunk in _CHUNK.finditer(text):  # whitespace always separates, so fold word by word
        word, base = chunk.group(), chunk.start()
        prepared, before = _prepare_mapped(word) if _PREPARE_HINT.search(word) else (word, None)
        if prepared.isascii() and before is None:
            for m in _ASCII_TOKEN.finditer(word.lower()):
                yield m.group(), base + m.start(), base + m.end()
            continue
        pieces: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(prepared):
            piece = _fold(char)
            pieces.append(piece)
            origin.extend([i if before is None else before[i]] * len(piece))
        for m in _TOKEN.finditer("".join(pieces)):
            start, end = origin[m.start()], origin[m.end() - 1] + 1
            while end < len(word) and unicodedata.combining(word[end]):
                end += 1  # keep the accents that followed the last letter
            yield m.group(), base + start, base + end


Variant = tuple[tuple[str, ...], bool]  # normalised words, and whether the last is a prefix


class Words:
    """A text's normal-form tokens with their original spans: finds matched words back."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = list(_spans(text))
        self.at: dict[str, list[int]] = {}
        for i, (token, _, _) in enumerate(self.spans):
            self.at.setdefault(token, []).append(i)

    def find(self, variants: Sequence[Variant]) -> str | None:
        """The original text of the first occurrence of any variant, the longest variant
        when several start at the same word.

        None when none occurs: folding one word at a time disagreed with folding the whole
        text, which takes several stacked accents in a non-Latin script.
        """
        best: tuple[int, int] | None = None  # (first token, -length)
        for words, prefix in variants:
            k = len(words)
            for i in self._starts(words[0], prefix and k == 1):
                if best is not None and i > best[0]:
                    break
                window = [token for token, _, _ in self.spans[i : i + k]]
                if (
                    len(window) == k
                    and window[:-1] == list(words[:-1])
                    and (window[-1].startswith(words[-1]) if prefix else window[-1] == words[-1])
                ):
                    best = min(best or (i, -k), (i, -k))
                    break
        if best is None:
            return None
        first, length = best[0], -best[1]
        return self.text[self.spans[first][1] : self.spans[first + length - 1][2]]

    def _starts(self, word: str, prefix: bool) -> list[int]:
        if not prefix:
            return self.at.get(word, [])
        return sorted(i for token, at in self.at.items() if token.startswith(word) for i in at)
