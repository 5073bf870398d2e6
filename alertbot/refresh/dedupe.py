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

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = [
    "THRESHOLD",
    "WINDOW_SECONDS",
    "HeadlineIndex",
    "HeadlineKey",
    "headline_key",
    "same_key",
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
    # Each word with its occurrence number: set intersection = multiset intersection.
    bag: frozenset[tuple[str, int]] = frozenset()


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
    seen: Counter[str] = Counter()
    bag = set()
    for word in words:
        bag.add((word, seen[word]))
        seen[word] += 1
    return HeadlineKey(words, numbers, frozenset(bag))


def same_key(ka: HeadlineKey, kb: HeadlineKey, *, threshold: float = THRESHOLD) -> bool:
    """True when two headlines' keys tell the same story (see the module docstring)."""
    if ka.numbers != kb.numbers or min(len(ka.words), len(kb.words)) < MIN_WORDS:
        return False
    # Cheap bound first: the ratio can never beat the length ratio.
    shorter, longer = sorted((len(ka.words), len(kb.words)))
    if 2 * shorter / (shorter + longer) < threshold:
        return False
    # Nor can it beat the words the two share, order aside: a cheap cut before difflib.
    if 2 * len(ka.bag & kb.bag) < threshold * (shorter + longer):
        return False
    matcher = SequenceMatcher(None, ka.words, kb.words, autojunk=False)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


def _broken_pairs(a: int, threshold: float) -> int:
    """At most how many of an a-word headline's adjacent word pairs a match can break.

    A match of b words shares M >= t(a+b)/2 words in order (difflib's ratio), with b
    bounded by the length check. Each of the key's a-M unmatched words breaks up to two
    pairs, and each of the other's b-M extra words inserted between two matched words
    breaks one.
    """
    t = threshold
    worst = 0
    for b in range(math.ceil(a * t / (2 - t) - 1e-9), math.floor(a * (2 - t) / t + 1e-9) + 1):
        matched = math.ceil(t * (a + b) / 2 - 1e-9)
        worst = max(worst, 2 * (a - matched) + (b - matched))
    return worst


class HeadlineIndex:
    """Recent headlines by adjacent word pair, so a new one meets only likely twins.

    A headline that tells the same story keeps most of this one's word pairs (at most
    `_broken_pairs` can differ), so it has one of this headline's rarest few pairs. Pairs
    are far rarer than single words, which keeps a lookup cheap however many headlines
    share common words; short headlines fall back to single words with the same argument.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._keys: dict[int, HeadlineKey] = {}
        self._seen: dict[int, float] = {}
        self._postings: defaultdict[object, list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, story_id: int, title: str, seen_at: float = 0.0) -> None:
        key = headline_key(title)
        if len(key.words) < MIN_WORDS:
            return
        self._keys[story_id] = key
        self._seen[story_id] = seen_at
        for token in {*key.words, *zip(key.words, key.words[1:], strict=False)}:
            self._postings[token].append(story_id)

    def forget(self, story_ids: Iterable[int]) -> None:
        """Drop stories (rolled back or deleted); their postings are skipped from now on."""
        for story_id in story_ids:
            if story_id in self._seen:
                self._seen[story_id] = -math.inf  # never recent again: `find` skips it

    def find(self, title: str, *, since: float = 0.0) -> int | None:
        """The earliest story seen at or after `since` whose headline tells `title`'s story."""
        key = headline_key(title)
        a = len(key.words)
        if a < MIN_WORDS:
            return None
        broken = _broken_pairs(a, self.threshold)
        pairs = set(zip(key.words, key.words[1:], strict=False))
        if broken < len(pairs):
            tokens: list[object] = sorted(pairs, key=lambda p: len(self._postings.get(p, ())))
            probe = tokens[: broken + 1]
        else:  # too short for pairs: at most `missing` words absent, so one of missing+1
            missing = a - math.ceil(a * self.threshold / (2 - self.threshold) - 1e-9)
            tokens = sorted(set(key.words), key=lambda w: len(self._postings.get(w, ())))
            probe = tokens[: missing + 1]
        candidates = sorted({sid for token in probe for sid in self._postings.get(token, ())})
        return next(
            (
                s
                for s in candidates
                if self._seen.get(s, -math.inf) >= since
                and same_key(key, self._keys[s], threshold=self.threshold)
            ),
            None,
        )
