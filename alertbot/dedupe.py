"""Is this headline the same story as that one? Pure.

Feeds retell the same story with small changes: "Armenia, Azerbaijan agree ceasefire" and
"Armenia and Azerbaijan agree ceasefire - Reuters". Two headlines are the same story when,
after normalising (case, accents, punctuation, small words, a trailing "- Source" or
"| Source"), their words match in order at least `THRESHOLD` (a difflib ratio over words)
and they give the same numbers: "5 killed" and "50 killed" are different stories, and so
are "Armenia accuses Azerbaijan" and "Azerbaijan accuses Armenia". Headlines of fewer than
`MIN_WORDS` content words ("Live updates") are too generic to be matched at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = [
    "THRESHOLD",
    "WINDOW_SECONDS",
    "HeadlineIndex",
    "HeadlineKey",
    "headline_key",
    "same_story",
]

THRESHOLD = 0.9
WINDOW_SECONDS = 24 * 3600  # headlines are compared with stories first seen this recently
MIN_WORDS = 3  # shorter headlines ("Live updates") are too generic to tell a story

# Function words in the languages the seed feeds use; they carry no identity.
_STOPWORD_TEXT = """
a an the and or of in on at to for from by with as is are was were be has have had
it its this that after over into says said
di ke dari dan yang untuk dengan pada ini itu atau akan oleh dalam
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIX = re.compile(r"\s+(?:[-–—|:]|::)\s+([^-–—|:]{1,40})$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class HeadlineKey:
    words: tuple[str, ...]
    numbers: frozenset[str]


@lru_cache(maxsize=20_000)
def headline_key(title: str) -> HeadlineKey:
    """The comparable form of a headline: its content words in order, and its numbers."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    # Numbers count wherever they are, even in what looks like a "- Source" suffix.
    numbers = frozenset(t for t in _WORD.findall(text) if t.isdigit())
    match = _SUFFIX.search(text)
    if match and len(match.group(1).split()) <= 4:
        text = text[: match.start()]
    tokens = _WORD.findall(text.casefold().replace("_", " "))
    words = tuple(t for t in tokens if t not in _STOPWORDS and not t.isdigit())
    return HeadlineKey(words, numbers)


def same_key(ka: HeadlineKey, kb: HeadlineKey, *, threshold: float = THRESHOLD) -> bool:
    if ka.numbers != kb.numbers or min(len(ka.words), len(kb.words)) < MIN_WORDS:
        return False
    # Cheap bound first: the ratio can never beat the length ratio.
    shorter, longer = sorted((len(ka.words), len(kb.words)))
    if 2 * shorter / (shorter + longer) < threshold:
        return False
    matcher = SequenceMatcher(None, ka.words, kb.words, autojunk=False)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


def same_story(a: str, b: str, *, threshold: float = THRESHOLD) -> bool:
    """True when headlines `a` and `b` tell the same story (see the module docstring)."""
    return same_key(headline_key(a), headline_key(b), threshold=threshold)


class HeadlineIndex:
    """Recent headlines by word, so a new one is compared only with those sharing words."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._keys: dict[int, HeadlineKey] = {}
        self._postings: defaultdict[str, list[int]] = defaultdict(list)

    def add(self, story_id: int, title: str) -> None:
        key = headline_key(title)
        if len(key.words) < MIN_WORDS:
            return
        self._keys[story_id] = key
        for word in set(key.words):
            self._postings[word].append(story_id)

    def find(self, title: str) -> int | None:
        """The earliest indexed story whose headline is the same story as `title`."""
        key = headline_key(title)
        words = set(key.words)
        if len(words) < MIN_WORDS:
            return None
        shared = Counter(sid for word in words for sid in self._postings.get(word, ()))
        # A match shares at least ~80% of the words; half is a safe cut.
        candidates = sorted(sid for sid, n in shared.items() if 2 * n >= len(words))
        return next(
            (s for s in candidates if same_key(key, self._keys[s], threshold=self.threshold)),
            None,
        )
