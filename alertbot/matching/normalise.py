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
from functools import lru_cache

from alertbot.matching.characters import CJK, INVISIBLE, MARKS, TABLE, TOUCHED
from alertbot.memo import memo

__all__ = [
    "Variant",
    "Words",
    "display_form",
    "normalise",
    "prepare",
    "searchable",
    "story_body",
    "tokens",
]

_NEEDS_TABLE = re.compile(f"[{TOUCHED}]")
_DISPLAY_TABLE = dict.fromkeys(map(ord, INVISIBLE)) | {0x0130: "i", 0x02BB: " ", 0x02BC: " "}
_TOKEN = re.compile(rf"(?:[^\W\d_{CJK}]+[{MARKS}]*)+|[{CJK}][{MARKS}]*|\d+")
_CHUNK = re.compile(r"\S+")
_ASCII_TOKEN = re.compile(r"[a-z]+|[0-9]+")  # _TOKEN on folded ASCII text, several times faster
_ASCII = [chr(cp) for cp in range(128)]
_ASCII_SPACES = str.maketrans({c: " " for c in _ASCII if not ("a" <= c <= "z" or "0" <= c <= "9")})
_ASCII_SHAPE = str.maketrans(
    {c: "a" if "a" <= c <= "z" else "0" if "0" <= c <= "9" else " " for c in _ASCII}
)
_NON_ASCII_RUNS = re.compile(r"([^\x00-\x7f]+)")
_ASCII_BYTES = bytes(range(128))
_NON_ASCII_WORD = re.compile(rf"[^\W\x00-\x7f]|[{MARKS}{CJK}]")  # what _TOKEN may take

_APOSTROPHES = "'’ʼʻ‘`´"
_LETTER = rf"[^\W\d_{CJK}]"  # CJK characters are tokens of their own, not word letters
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
_PREPARE_HINTS = _APOSTROPHES + "#"
_DASH_CHARS = "-‐‑‒–—―−﹣－"
_DASH = re.compile(f"[{_DASH_CHARS}]")
_JOINING_DASH = re.compile(f"[{_DASH_CHARS}](?<=[^\\W_][{_DASH_CHARS}])(?=[^\\W_])")
_SPACE = re.compile(r"\s")
_ASCII_PART = {
    chars: "".join(filter(str.isascii, chars)) for chars in (_PREPARE_HINTS, _DASH_CHARS)
}


def _holds_any(text: str, chars: str) -> bool:
    """Whether `text` holds one of `chars`: a substring search each, faster than a regex."""
    if text.isascii():  # O(1): the string knows; then only the ASCII ones can be in it
        chars = _ASCII_PART[chars]
    return any(map(text.__contains__, chars))


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
    if not _holds_any(text, _PREPARE_HINTS):
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
    if all(map(_folds_as_itself, _non_ascii(text))):  # only dashes, quotes and such
        return text.lower()
    # Folding works character by character, except that NFKD reorders runs of combining
    # marks, which an ASCII character (a starter) ends: so each ASCII run is lowered and
    # only the non-ASCII runs between them (an accented name) take the slow path.
    parts = _NON_ASCII_RUNS.split(text)  # ASCII, non-ASCII, ASCII, ...
    parts[::2] = [part.lower() for part in parts[::2]]
    parts[1::2] = map(_fold_all, parts[1::2])
    return "".join(parts)


def _fold_all(text: str) -> str:
    # NFKD first so casefold sees base letters (ℌ -> H -> h), again after casefold in case
    # it produced composed characters; the table then drops the separated accents.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return folded.translate(TABLE) if _NEEDS_TABLE.search(folded) else folded


def _tokens(folded: str) -> list[str]:
    if not folded.isascii():
        others = _non_ascii(folded)
        if not all(map(_separates, others)):
            return _TOKEN.findall(folded)
        # Its only non-ASCII characters are punctuation (dashes, curly quotes), which no
        # token holds: as spaces they leave the same tokens, found the ASCII way.
        for char in others:
            folded = folded.replace(char, " ")
    shape = folded.translate(_ASCII_SHAPE)
    if "a0" in shape or "0a" in shape:  # a letter next to a digit: covid19 is two tokens
        return _ASCII_TOKEN.findall(folded)
    return folded.translate(_ASCII_SPACES).split()  # translate and split: no regex at all


def _non_ascii(text: str) -> set[str]:
    """The distinct non-ASCII characters of `text`, without a Python step per character."""
    utf8 = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    return set(utf8.decode("utf-8", "surrogatepass"))


@lru_cache(maxsize=4096)
def _folds_as_itself(char: str) -> bool:
    """Whether folding leaves `char` as it is, wherever it stands (so lower() will do)."""
    return (
        unicodedata.normalize("NFKD", char) == char.casefold() == char.lower() == char
        and not unicodedata.combining(char)
        and ord(char) not in TABLE
    )


@lru_cache(maxsize=4096)
def _separates(char: str) -> bool:
    """Whether `char`, in folded text, can be in no token: as a space it changes none."""
    return _NON_ASCII_WORD.match(char) is None


def tokens(text: str) -> list[str]:
    """The normal form's tokens."""
    return _tokens(_fold(prepare(text)))


def normalise(text: str) -> str:
    """Idempotent normal form used for matching: 'Nagorno–Karabakh' -> 'nagorno karabakh'."""
    return " ".join(_tokens(_fold(prepare(text))))


def story_body(summary: str, text: str) -> str:
    """The one text a story's body is matched in: its summary, then its full text."""
    return f"{summary}\n{text}"


# A story is matched, then explained; a parse worker may have done it (prework.py).
@memo(maxsize=2048, max_length=20_000)
def searchable(text: str) -> str:
    """The padded normal form patterns are looked for in, then each dashed compound joined.

    Compounds follow on lines of their own (" \n ceasefire "): a pattern is spaces and
    tokens, so none can run from the text into them or from one into the next.
    """
    prepared = prepare(text)
    out = " " + " ".join(_tokens(_fold(prepared))) + " "
    seen: set[int] = set()
    if not _holds_any(prepared, _DASH_CHARS):
        return out
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
    if text.isascii() and not _holds_any(text, _PREPARE_HINTS):  # lower() keeps offsets
        for m in _ASCII_TOKEN.finditer(text.lower()):
            yield m.group(), m.start(), m.end()
        return
    for chunk in _CHUNK.finditer(text):  # whitespace always separates, so fold word by word
        word, base = chunk.group(), chunk.start()
        hinted = _holds_any(word, _PREPARE_HINTS)
        prepared, before = _prepare_mapped(word) if hinted else (word, None)
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
