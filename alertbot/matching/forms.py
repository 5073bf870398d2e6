"""What one query word stands for: its word forms, and whether it is an acronym. Pure.

Word forms are spelled out from the query word, never found by stemming the story, so a
story's words are compared exactly and a new form is a line here, not a surprise:

- Indonesian and Malay: the clitics -nya -lah -kah -pun -ku -mu (longsornya), the prefixes
  pasca- pra- anti- joined or hyphenated (pascalongsor, pasca-longsor), the confix ke-...-an
  (kering -> kekeringan). Verb-forming affixes (di-...-i, me-...-kan) are left out: they
  often change the meaning (tinggal "stay", meninggal "die").
- English: the plural (ceasefires, countries); the possessive 's is dropped by normalise.

A word with forms is one pattern, "\x01longsor": present when a token of the story is the
word or one of its forms. The index puts the word and each form in its automaton as padded
words (" longsornya "), each standing for the one pattern, so a topic sees one pattern.
Hyphenated and spaced prefixes (pasca-longsor) need nothing more: the word is a token too.

An acronym is a word typed in capitals (UN, KPK, NATO). Its patterns are *cased*: the
lower-case pattern must be found and then the story must write the word in capitals (2-3
letters) or in capitals or capitalised (4 or more: NATO, Nato). A cased pattern is the plain
pattern behind a NUL and the spelling: "\\x00UN un ".
"""

from __future__ import annotations

import re
from functools import lru_cache

from alertbot.matching.normalise import prepare

__all__ = [
    "MIN_FORMS",
    "acronym",
    "base_pattern",
    "cased_pattern",
    "forms_pattern",
    "has_forms",
    "inflections",
    "is_cased",
    "is_forms",
    "spelled_in",
    "word_forms",
]

MIN_FORMS = 4  # shorter words get no forms: "ada" + "lah" is "adalah" ("is")
CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
PREFIXES = ("pasca", "pra", "anti")
_VOWELS = frozenset("aeiou")


def english_plural(word: str) -> str:
    if word.endswith("y") and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def has_forms(word: str) -> bool:
    """Whether a normalised word gets word forms: Latin letters only, long enough."""
    return len(word) >= MIN_FORMS and word.isascii() and word.isalpha()


@lru_cache(maxsize=65536)
def inflections(word: str) -> frozenset[str]:
    """The one-token forms of a word (the word itself not included); none if it has none."""
    if not has_forms(word):
        return frozenset()
    forms = {word + c for c in CLITICS}
    forms.add(english_plural(word))
    forms |= {prefix + word for prefix in PREFIXES}
    forms |= {f"ke{word}an", f"ke{word}annya"}
    return frozenset(forms)


def word_forms(word: str) -> list[tuple[str, ...]]:
    """Every form as token tuples, hyphenated prefixes included (for display and search)."""
    joined = sorted((form,) for form in inflections(word))
    return joined + [(prefix, word) for prefix in PREFIXES] if joined else []


def forms_pattern(word: str) -> str:
    return f"\x01{word}"


def is_forms(pattern: str) -> bool:
    return pattern.startswith("\x01")


def acronym(text: str) -> str | None:
    """The spelling of a term typed as an acronym (one word, all capitals, 2+ letters)."""
    word = text.strip().strip(".")
    if len(word) >= 2 and word.isalpha() and word.isupper():
        return word
    return None


def cased_pattern(spelled: str, plain: str) -> str:
    return f"\x00{spelled}{plain}"


def is_cased(pattern: str) -> bool:
    return pattern.startswith("\x00")


def base_pattern(pattern: str) -> str:
    """The plain pattern behind a cased one (the part after its spelling), or a forms one."""
    if pattern.startswith("\x00"):
        return pattern[pattern.index(" ") :]
    return f" {pattern[1:]} " if pattern.startswith("\x01") else pattern


def spelling(pattern: str) -> str:
    return pattern[1 : pattern.index(" ")]


@lru_cache(maxsize=4096)
def _spelled_re(spelled: str) -> re.Pattern[str]:
    options = [re.escape(spelled)]
    if len(spelled) >= 4:
        options.append(re.escape(spelled[0] + spelled[1:].lower()))
    return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(options)})(?![^\W\d_])")


def spelled_in(pattern: str, text: str, *, prepared: bool = False) -> bool:
    """Whether the text writes a cased pattern's word as the acronym rule asks."""
    return _spelled_re(spelling(pattern)).search(text if prepared else prepare(text)) is not None
