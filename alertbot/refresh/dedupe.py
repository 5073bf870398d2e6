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
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

from ..memo import memo

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
_ASCII_DIGIT = re.compile(r"[0-9]")
_SUFFIX_MARKS = "-–—|:"  # one of them starts every suffix _SUFFIX finds
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HeadlineKey:
    words: tuple[str, ...]
    numbers: frozenset[str]
    # The index's tokens (see `_grams`), worked out once: a headline is looked up and added.
    grams: frozenset[str]

    @cached_property
    def bag(self) -> frozenset[tuple[str, int]]:
        """Each word with its occurrence number: set intersection = multiset intersection.

        Only headlines compared with another need it: most never are.
        """
        seen: dict[str, int] = {}
        bag = set()
        for word in self.words:
            n = seen.get(word, 0)
            bag.add((word, n))
            seen[word] = n + 1
        return frozenset(bag)


# A headline is looked up, then added; a parse worker may have keyed it (prework.py).
@memo(maxsize=20_000, max_length=1_000)
def headline_key(title: str) -> HeadlineKey:
    """The comparable form of a headline: its content words in order, and its numbers."""
    text = title
    if not text.isascii():  # most headlines are: no accents to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    # Numbers count wherever they are, even in what looks like a "- Source" suffix. ASCII
    # text without 0-9 has none (elsewhere other digits count, as str.isdigit says).
    has_digits = not text.isascii() or _ASCII_DIGIT.search(text) is not None
    numbers = frozenset(t for t in _WORD.findall(text) if t.isdigit()) if has_digits else _NONE
    match = _SUFFIX.search(text) if any(m in text for m in _SUFFIX_MARKS) else None
    if match and len(match.group(1).split()) <= 4:
        text = text[: match.start()]
    tokens = _WORD.findall(text.casefold().replace("_", " "))
    words = tuple(t for t in tokens if t not in _STOPWORDS and not t.isdigit())
    return HeadlineKey(words, numbers, _grams(words, numbers))


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


GRAM = 3  # the index's tokens: runs of this many content words (<= MIN_WORDS: all have one)


@lru_cache(maxsize=256)
def _broken_grams(a: int, threshold: float, k: int = GRAM) -> int:
    """At most how many of an a-word headline's k-word runs a match can break.

    A match of b words shares M >= t(a+b)/2 words in order (difflib's ratio), with b
    bounded by the length check. Each of the key's a-M unmatched words is in up to k runs,
    and each of the other's b-M extra words sits in one gap between matched words, which up
    to k-1 runs span; every other run of the key is in the other headline too.
    """
    t = threshold
    worst = 0
    for b in range(math.ceil(a * t / (2 - t) - 1e-9), math.floor(a * (2 - t) / t + 1e-9) + 1):
        matched = math.ceil(t * (a + b) / 2 - 1e-9)
        worst = max(worst, k * (a - matched) + (k - 1) * (b - matched))
    return worst


def _grams(words: tuple[str, ...], numbers: frozenset[str]) -> frozenset[str]:
    """A key's distinct tokens: each run of `GRAM` words, with the headline's numbers.

    Two headlines with other numbers are never the same story, so the numbers go into the
    token: a bucket holds only headlines that could match on that count too. Tokens are
    strings (words hold no spaces, numbers no commas) rather than tuples so that the
    hundreds of thousands a day's window holds are no work for the garbage collector.
    """
    tag = ",".join(sorted(numbers))
    return frozenset(f"{tag}|{' '.join(words[i : i + GRAM])}" for i in range(len(words) - GRAM + 1))


class HeadlineIndex:
    """Recent headlines by runs of three adjacent words, so a new one meets only likely twins.

    A headline that tells the same story keeps most of this one's three-word runs (at most
    `_broken_grams` can differ), so it has one of this headline's rarest few runs. Runs of
    three are rare even among a day's 50,000 headlines, so the few buckets a lookup opens
    stay small however many headlines share common words and pairs. A headline whose
    words repeat so much that too few distinct runs are left (never seen in real feeds)
    is compared with every headline: slower, never wrong.

    Expiry is by time: `expire(before)` drops headlines seen before `before` in the order
    they were added, each once, so keeping a 24-hour window costs O(1) a headline.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._keys: dict[int, HeadlineKey] = {}
        self._seen: dict[int, float] = {}
        # A token's stories, oldest first: most tokens have one, kept as a bare int (no list
        # for the garbage collector to walk), the others a list.
        self._postings: dict[str, int | list[int]] = {}
        self._by_time: deque[tuple[float, int]] = deque()

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, story_id: int, title: str, seen_at: float = 0.0) -> None:
        key = headline_key(title)
        if len(key.words) < MIN_WORDS:
            return
        self._drop(story_id)
        self._keys[story_id] = key
        self._seen[story_id] = seen_at
        self._by_time.append((seen_at, story_id))
        postings = self._postings
        for token in key.grams:
            bucket = postings.get(token)
            if bucket is None:
                postings[token] = story_id
            elif isinstance(bucket, int):
                postings[token] = [bucket, story_id]
            else:
                bucket.append(story_id)

    def forget(self, story_ids: Iterable[int]) -> None:
        """Drop stories (rolled back or deleted): `find` never returns them again."""
        for story_id in story_ids:
            self._drop(story_id)

    def expire(self, before: float) -> None:
        """Drop the headlines seen before `before`: no later `find` can want them.

        Headlines leave in the order they were added; one added out of time order only
        waits for those before it (a `find` still skips it by its `since`).
        """
        queue = self._by_time
        while queue and queue[0][0] < before:
            _, story_id = queue.popleft()
            if self._seen.get(story_id, math.inf) < before:
                self._drop(story_id)

    def _drop(self, story_id: int) -> None:
        key = self._keys.pop(story_id, None)
        if key is None:
            return
        del self._seen[story_id]
        postings = self._postings
        for token in key.grams:
            bucket = postings[token]
            if isinstance(bucket, int):
                del postings[token]
                continue
            bucket.remove(story_id)  # the oldest are first: found at once when expiring
            if len(bucket) == 1:
                postings[token] = bucket[0]

    def find(self, title: str, *, since: float = 0.0) -> int | None:
        """The earliest story seen at or after `since` whose headline tells `title`'s story."""
        key = headline_key(title)
        if len(key.words) < MIN_WORDS:
            return None
        broken = _broken_grams(len(key.words), self.threshold)
        grams = key.grams
        if broken < len(grams):
            postings = self._postings
            found = [postings[g] for g in grams if g in postings]
            # A twin has all but `broken` of these tokens, so it is in one of the `broken + 1`
            # smallest buckets; the empty ones are the smallest. With more than `broken`
            # tokens in no headline (a new story's usual case) there is no twin.
            wanted = broken + 1 - (len(grams) - len(found))
            if wanted <= 0:
                return None
            buckets = sorted(((b,) if isinstance(b, int) else b for b in found), key=len)
            candidates: Iterable[int] = sorted({s for b in buckets[:wanted] for s in b})
        else:  # too repetitive for the argument: compare with every headline
            candidates = sorted(self._keys)
        return next(
            (
                s
                for s in candidates
                if self._seen[s] >= since and same_key(key, self._keys[s], threshold=self.threshold)
            ),
            None,
        )
