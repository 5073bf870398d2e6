"""Every subscription's topic in one index, matched against a story in one pass.

One Aho-Corasick automaton holds the patterns of every term of every distinct topic. A story
is folded to its normal form once and scanned once; a topic is then evaluated only if one of
its *required* patterns was found (for `a b -c`, one of a or b; for `a OR b`, any of them),
so the cost grows with the story and what it matches, not with the number of subscriptions.
Subscriptions with the same topic share one entry.

Which of `a b` wakes the topic is first a guess (the longer word); the index counts how
often each pattern turns up in stories, and a topic woken for nothing is re-pointed at its
rarest part and gated by the next rarest, so that it is evaluated only when both are found
(wakes.py). That changes only the cost, never the result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from itertools import repeat
from operator import itemgetter

import ahocorasick

from alertbot.matching.aliases import Aliases
from alertbot.matching.compiled import CompiledTopic, pick
from alertbot.matching.forms import (
    base_pattern,
    inflections,
    is_cased,
    is_forms,
    spelled_in,
)
from alertbot.matching.normalise import prepare, searchable
from alertbot.matching.query import Explainer, Query, Reason, TopicError, parse_query
from alertbot.matching.tree import Node, by_length
from alertbot.matching.wakes import Wakes

__all__ = ["TopicIndex"]

_VALUE = itemgetter(1)  # of an automaton hit: (end, value)
_PARSE_CACHE = 50_000  # distinct sources remembered, so re-adding a topic skips the parser
_REPICK_AFTER = 32  # wake-ups for nothing before a topic is re-pointed at a rarer part
# The first guess (by length) is re-pointed at its first wake-up for nothing: the index has
# counted words in every story so far, and once gated (wakes.py) a topic costs little.
_FIRST_PICK_AFTER = 1
_GATE_PAIRS = 256  # (required, gate) pairs filed for one topic at most: an alias group is ~130


class TopicIndex:
    """Subscriptions (key -> topic) matched against stories; keys are subscription ids."""

    def __init__(self, aliases: Aliases | None = None) -> None:
        self._reset(aliases or Aliases.empty())

    def _reset(self, aliases: Aliases) -> None:
        self._aliases = aliases
        self._keys: dict[Hashable, tuple[Query, CompiledTopic]] = {}
        self._entries: dict[Node, CompiledTopic] = {}
        self._wakes = Wakes()  # required pattern -> entries it wakes
        self._uses: dict[str, int] = {}  # automaton word -> pattern uses (membership)
        self._cased: dict[str, dict[str, int]] = {}  # plain pattern -> cased ones -> uses
        self._results: dict[str, dict[str, int]] = {}  # automaton word -> patterns -> uses
        self._shared: dict[str, frozenset[str]] = {}  # "\x02" + word -> its patterns
        self._shared_keys: set[str] = set()
        self._seen: Counter[str] = Counter()  # pattern -> stories it was found in
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
        entry = self._entries.get(query.tree) or self._register(query.tree)
        entry.keys.add(key)
        self._keys[key] = (query, entry)
        return query

    def add_many(self, items: Iterable[tuple[Hashable, str]]) -> None:
        """add() for each (key, source), at start-up: keys with the same source share one
        (query, entry) pair instead of repeating the lookups and making one pair each."""
        shared: dict[str, tuple[Query, CompiledTopic]] = {}
        for key, source in items:
            held = shared.get(source)
            if held is None or key in self._keys or not held[1].keys:  # add() if in doubt
                self.add(key, source)
                shared[source] = self._keys[key]
            else:
                held[1].keys.add(key)
                self._keys[key] = held

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
        held = [(key, query) for key, (query, _) in self._keys.items()]
        self._reset(aliases)
        for key, query in held:
            try:
                self.add(key, query.source)
            except TopicError:  # not expected: aliases never make a topic invalid
                self.add(key, query)

    def match(self, title: str, text: str) -> set[Hashable]:
        """Keys of the subscriptions whose topic the story matches."""
        in_title, in_text = self._scan(title, text)
        keys: set[Hashable] = set()
        for entry in self._matching(in_title | in_text):
            keys |= entry.keys
        return keys

    def explain(self, title: str, text: str) -> dict[Hashable, Reason]:
        """Like match, with the reason for each key."""
        in_title, in_text = self._scan(title, text)
        explainer = Explainer(title, text, in_title, in_text)
        out: dict[Hashable, Reason] = {}
        for entry in self._matching(in_title | in_text):
            out.update(dict.fromkeys(entry.keys, explainer.reason(entry.tree)))
        return out

    def _scan(self, title: str, text: str) -> tuple[set[str], set[str]]:
        """The patterns found in the title and in the text."""
        if not self._uses:
            return set(), set()
        if self._stale:
            self._automaton.make_automaton()
            self._stale = False
        in_title, in_text = self._found(searchable(title)), self._found(searchable(text))
        if self._cased:
            self._add_cased(in_title, title)
            self._add_cased(in_text, text)
        self._seen.update(in_title | in_text)
        return in_title, in_text

    def _found(self, padded: str) -> set[str]:
        found = set(map(_VALUE, self._automaton.iter(padded)))  # no Python frame per hit
        if self._shared_keys:  # an automaton word standing for several patterns
            for marker in found & self._shared_keys:
                found.discard(marker)
                found |= self._shared[marker]
        return found

    def _add_cased(self, found: set[str], original: str) -> None:
        """Acronyms: a plain pattern found wakes its cased ones, checked on the original."""
        cased = self._cased
        woken = cased.keys() & found
        if woken:
            prepared = prepare(original)
            for plain in woken:
                found.update(p for p in cased[plain] if spelled_in(p, prepared, prepared=True))

    def _matching(self, found: set[str]) -> set[CompiledTopic]:
        """The topics the found patterns make hold: most decided unevaluated (wakes.py)."""
        matched, woken = self._wakes.woken(found)
        for entry in woken:
            if entry.sure or entry.holds(found):  # sure: gated, and its gate was found
                matched.add(entry)
            else:
                entry.misses += 1
                if entry.misses >= (_REPICK_AFTER if entry.picked else _FIRST_PICK_AFTER):
                    self._repick(entry)
        return matched

    def _rank(self, patterns: frozenset[str]) -> tuple[float, ...]:
        # dict.get, not Counter's []: that calls __missing__ for every pattern never seen
        seen = sum(map(self._seen.get, patterns, repeat(0)))
        return (-seen, *by_length(patterns))

    def _repick(self, entry: CompiledTopic) -> None:
        """Re-point a topic woken for nothing at its rarest part, gated by the next rarest."""
        entry.misses, entry.picked = 0, True
        required, gate = pick(entry.tree, self._rank)
        assert required is not None
        if gate is not None and len(required) * len(gate) > _GATE_PAIRS:
            gate = None
        if (required, gate) != (entry.required, entry.gate):
            self._wakes.discard(entry)
            entry.required, entry.gate = required, gate
            self._wakes.add(entry)

    def _register(self, tree: Node) -> CompiledTopic:
        required = tree.required(self._rank if self._seen else by_length)
        assert required is not None  # parse_query refuses topics with nothing required
        entry = CompiledTopic.compile(self._next_id, tree, required)
        patterns = entry.patterns
        self._next_id += 1
        self._entries[tree] = entry
        self._wakes.add(entry)
        for p in patterns:
            plain = base_pattern(p)
            if is_cased(p):
                dependents = self._cased.setdefault(plain, {})
                dependents[p] = dependents.get(p, 0) + 1
            elif is_forms(p):
                for word in self._forms_words(p):
                    self._use(word, p)
                continue
            self._use(plain, plain)
        return entry

    def _unregister(self, entry: CompiledTopic) -> None:
        del self._entries[entry.tree]
        self._wakes.discard(entry)
        for p in entry.patterns:
            plain = base_pattern(p)
            if is_cased(p):
                dependents = self._cased[plain]
                dependents[p] -= 1
                if not dependents[p]:
                    del dependents[p]
                    self._seen.pop(p, None)
                if not dependents:
                    del self._cased[plain]
            elif is_forms(p):
                for word in self._forms_words(p):
                    self._unuse(word, p)
                continue
            self._unuse(plain, plain)

    def _use(self, word: str, result: str) -> None:
        """One more pattern use of an automaton word; finding the word means `result`."""
        self._uses[word] = self._uses.get(word, 0) + 1
        results = self._results.setdefault(word, {})
        uses = results.get(result, 0)
        results[result] = uses + 1
        if not uses:
            self._set_value(word)

    def _unuse(self, word: str, result: str) -> None:
        self._uses[word] -= 1
        results = self._results[word]
        results[result] -= 1
        if results[result]:
            return
        del results[result]
        self._seen.pop(result, None)
        if self._uses[word]:
            self._set_value(word)
            return
        del self._uses[word], self._results[word]
        self._drop_marker(word)
        self._automaton.remove_word(word)
        self._stale = True

    def _set_value(self, word: str) -> None:
        results = self._results[word]
        if len(results) == 1:
            value = next(iter(results))
            self._drop_marker(word)
        else:
            value = "\x02" + word
            self._shared[value] = frozenset(results)
            self._shared_keys.add(value)
        self._automaton.add_word(word, value)
        self._stale = True

    def _drop_marker(self, word: str) -> None:
        marker = "\x02" + word
        if marker in self._shared:
            del self._shared[marker]
            self._shared_keys.discard(marker)

    def _forms_words(self, p: str) -> list[str]:
        """The automaton words of a forms pattern: the word and each form, padded."""
        return [f" {form} " for form in (p[1:], *inflections(p[1:]))]
