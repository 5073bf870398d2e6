"""Every subscription's topic in one index, matched against a story in one pass.

One Aho-Corasick automaton holds the patterns of every term of every distinct topic. A story
is folded to its normal form once and scanned once; a topic is then evaluated only if one of
its *required* patterns was found (for `a b -c`, one of a or b; for `a OR b`, any of them),
so the cost grows with the story and what it matches, not with the number of subscriptions.
Subscriptions with the same topic share one entry.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import ahocorasick

from alertbot.topics.aliases import Aliases
from alertbot.topics.normalise import normalise
from alertbot.topics.query import Query, Reason, parse_query, reason
from alertbot.topics.tree import Node

__all__ = ["TopicIndex"]

_NONE: frozenset[int] = frozenset()
_PARSE_CACHE = 50_000  # distinct sources remembered, so re-adding a topic skips the parser


@dataclass(eq=False)
class _Entry:
    """One distinct topic and the subscriptions that share it."""

    id: int
    tree: Node
    patterns: frozenset[str]  # all, for the automaton (exclusions too)
    required: frozenset[str]  # one of them must be found for the topic to match
    keys: set[Hashable] = field(default_factory=set)


class TopicIndex:
    """Subscriptions (key -> topic) matched against stories; keys are subscription ids."""

    def __init__(self, aliases: Aliases | None = None) -> None:
        self._reset(aliases or Aliases.empty())

    def _reset(self, aliases: Aliases) -> None:
        self._aliases = aliases
        self._keys: dict[Hashable, tuple[Query, _Entry]] = {}
        self._entries: dict[Node, _Entry] = {}
        self._by_id: dict[int, _Entry] = {}
        self._wakes: dict[str, set[int]] = {}  # required pattern -> entries it wakes
        self._uses: dict[str, int] = {}  # pattern -> entries using it (automaton membership)
        self._parsed: dict[str, Query] = {}
        self._automaton = ahocorasick.Automaton()
        self._stale = False  # words added or removed since make_automaton
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Hashable, query: str | Query) -> Query:
        """Index `query` under `key` (replacing what the key had); raises TopicError."""
        if isinstance(query, str):
            parsed = self._parsed.get(query)
            if parsed is None:
                parsed = parse_query(query, self._aliases)  # raises before anything changes
                if len(self._parsed) >= _PARSE_CACHE:
                    self._parsed.clear()
                self._parsed[query] = parsed
            query = parsed
        self.remove(key)
        entry = self._entries.get(query.tree)
        if entry is None:
            entry = self._register(query.tree)
        entry.keys.add(key)
        self._keys[key] = (query, entry)
        return query

    def remove(self, key: Hashable) -> None:
        """Forget `key`; a key not indexed is no error."""
        held = self._keys.pop(key, None)
        if held is None:
            return
        entry = held[1]
        entry.keys.discard(key)
        if not entry.keys:
            self._unregister(entry)

    def set_aliases(self, aliases: Aliases) -> None:
        """Use new alias groups: every topic is parsed again from its source."""
        held = [(key, query.source) for key, (query, _) in self._keys.items()]
        self._reset(aliases)
        for key, source in held:
            self.add(key, source)  # parsed before with fewer or other aliases: cannot fail

    def match(self, title: str, text: str) -> set[Hashable]:
        """Keys of the subscriptions whose topic the story matches."""
        keys: set[Hashable] = set()
        for entry in self._matching(*self._scan(title, text)):
            keys |= entry.keys
        return keys

    def explain(self, title: str, text: str) -> dict[Hashable, Reason]:
        """Like match, with the reason for each key."""
        in_title, in_text = self._scan(title, text)
        out: dict[Hashable, Reason] = {}
        for entry in self._matching(in_title, in_text):
            why = reason(entry.tree, title, text, in_title, in_text)
            out.update(dict.fromkeys(entry.keys, why))
        return out

    def _scan(self, title: str, text: str) -> tuple[set[str], set[str]]:
        """The patterns found in the title and in the text."""
        if not self._uses:
            return set(), set()
        if self._stale:
            self._automaton.make_automaton()
            self._stale = False
        found = self._automaton.iter
        return (
            {p for _, p in found(f" {normalise(title)} ")},
            {p for _, p in found(f" {normalise(text)} ")},
        )

    def _matching(self, in_title: set[str], in_text: set[str]) -> Iterable[_Entry]:
        found = in_title | in_text
        woken: set[int] = set()
        for p in found:
            woken |= self._wakes.get(p, _NONE)
        for entry_id in woken:
            entry = self._by_id[entry_id]
            if entry.tree.holds(found):
                yield entry

    def _register(self, tree: Node) -> _Entry:
        required = tree.required()
        assert required is not None  # parse_query refuses topics with nothing required
        patterns = frozenset(p for term in tree.terms() for p in term.patterns)
        entry = _Entry(self._next_id, tree, patterns, required)
        self._next_id += 1
        self._entries[tree] = entry
        self._by_id[entry.id] = entry
        for p in required:
            self._wakes.setdefault(p, set()).add(entry.id)
        for p in patterns:
            uses = self._uses.get(p, 0)
            if not uses:
                self._automaton.add_word(p, p)
                self._stale = True
            self._uses[p] = uses + 1
        return entry

    def _unregister(self, entry: _Entry) -> None:
        del self._entries[entry.tree]
        del self._by_id[entry.id]
        for p in entry.required:
            wakes = self._wakes[p]
            wakes.discard(entry.id)
            if not wakes:
                del self._wakes[p]
        for p in entry.patterns:
            self._uses[p] -= 1
            if not self._uses[p]:
                del self._uses[p]
                self._automaton.remove_word(p)
                self._stale = True
