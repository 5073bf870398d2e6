"""One distinct topic as the index holds it: its patterns, what wakes it, a fast check.

Most topics are terms and excluded terms (`a b -c`, `"x" OR "y"`): for them a story's found
patterns are checked with set operations only, by a check chosen once for the topic's shape
(the index calls it for every woken topic); anything else evaluates the topic's tree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Set
from dataclasses import dataclass, field
from operator import itemgetter

from alertbot.matching.tree import And, Node, Not, Or, Rank, Term

__all__ = ["CompiledTopic", "holds_when_gated", "holds_when_woken", "pick", "shape_of"]

Check = Callable[[Set[str]], bool]
_RANK = itemgetter(0)


@dataclass(eq=False)
class CompiledTopic:
    """One distinct topic and the subscriptions that share it."""

    id: int
    tree: Node
    patterns: frozenset[str]  # all its patterns, for the automaton (exclusions too)
    required: frozenset[str]  # one of them must be found for the topic to match
    # The common shape — terms and excluded terms — is checked with set operations only:
    all_of: frozenset[str] | None  # single-pattern terms; None: evaluate the tree instead
    any_of: tuple[frozenset[str], ...]  # terms with aliases, OR groups: one pattern of each
    none_of: frozenset[str]  # patterns of excluded terms
    keys: set[Hashable] = field(default_factory=set)
    misses: int = 0  # wake-ups for nothing since the last repick
    picked: bool = False  # `required` chosen by a repick, from the stories seen
    gate: frozenset[str] | None = None  # another part's patterns, once settled (wakes.py)
    sure: bool = False  # holds whenever woken, and gated if it has a gate (wakes.py)
    _check: Check = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._check = _check_for(self)

    @classmethod
    def compile(cls, id: int, tree: Node, required: frozenset[str]) -> CompiledTopic:
        patterns = frozenset(p for term in tree.terms() for p in term.patterns)
        return cls(id, tree, patterns, required, *shape_of(tree))

    def holds(self, found: set[str]) -> bool:
        return self._check(found)


def _check_for(topic: CompiledTopic) -> Check:
    """The cheapest test equal to the topic's tree: called once per woken topic and story."""
    all_of, any_of, none_of = topic.all_of, topic.any_of, topic.none_of
    if all_of is None:
        return topic.tree.holds
    if not any_of and not none_of:
        return all_of.issubset  # a C method: no Python frame at all
    if not any_of:
        return lambda found: all_of <= found and none_of.isdisjoint(found)
    if len(any_of) == 1:
        (one_of,) = any_of
        return lambda found: (
            all_of <= found and not one_of.isdisjoint(found) and none_of.isdisjoint(found)
        )
    return lambda found: (
        all_of <= found
        and none_of.isdisjoint(found)
        and all(not s.isdisjoint(found) for s in any_of)
    )


def holds_when_woken(tree: Node, required: frozenset[str]) -> bool:
    """Whether finding any one of `required` (the tree's own) makes the tree hold, whatever
    else is found.

    True of a term or an OR of terms woken by its own patterns: the index takes such topics
    as matched without evaluating them. A tree with an exclusion never is (finding more can
    make it fail); without one, a tree that holds on a single pattern holds on any superset.
    """
    if _excludes(tree):
        return False
    return _any_part(tree) or all(tree.holds({p}) for p in required)


def holds_when_gated(tree: Node) -> bool:
    """Whether finding one pattern of each part makes the tree hold: true of two terms or
    OR groups of terms (`Armenia ceasefire`, `(truce OR ceasefire) Armenia`), which is what
    a gated topic (wakes.py) needs found to be woken at all."""
    return isinstance(tree, And) and len(tree.parts) == 2 and all(map(_any_part, tree.parts))


def pick(tree: Node, rank: Rank) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """`tree.required(rank)`, and the gate: the next best ranked part's patterns, which
    must be found too (None if there is no other part that must be)."""
    if not isinstance(tree, And):
        return tree.required(rank), None
    options = [(rank(r), r) for r in (part.required(rank) for part in tree.parts) if r is not None]
    if not options:
        return None, None
    required = max(options, key=_RANK)[1]  # the first of the best, as And.required
    gates = [option for option in options if option[1] != required]
    return required, max(gates, key=_RANK)[1] if gates else None


def _any_part(tree: Node) -> bool:
    """A term or an OR of them: any one pattern makes it hold (no need to try each)."""
    return isinstance(tree, Term) or (isinstance(tree, Or) and all(map(_any_part, tree.parts)))


def _excludes(tree: Node) -> bool:
    if isinstance(tree, Not):
        return True
    return isinstance(tree, And | Or) and any(map(_excludes, tree.parts))


def shape_of(
    tree: Node,
) -> tuple[frozenset[str] | None, tuple[frozenset[str], ...], frozenset[str]]:
    """The common shape (terms, excluded terms, OR groups of terms) as sets; else Nones."""
    all_of: set[str] = set()
    any_of: list[frozenset[str]] = []
    none_of: set[str] = set()
    for part in tree.parts if isinstance(tree, And) else (tree,):
        if isinstance(part, Term) and len(part.patterns) == 1:
            all_of.add(part.patterns[0])
        elif isinstance(part, Term):
            any_of.append(part.pattern_set)
        elif isinstance(part, Or) and all(isinstance(term, Term) for term in part.parts):
            any_of.append(frozenset(p for term in part.terms() for p in term.patterns))
        elif isinstance(part, Not) and isinstance(part.part, Term):
            none_of |= part.part.pattern_set
        else:
            return None, (), frozenset()
    return frozenset(all_of), tuple(any_of), frozenset(none_of)
