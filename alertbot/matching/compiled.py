"""One distinct topic as the index holds it: its patterns, what wakes it, a fast check.

Most topics are terms and excluded terms (`a b -c`, `"x" OR "y"`): for them a story's found
patterns are checked with set operations only; anything else evaluates the topic's tree.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from alertbot.matching.tree import And, Node, Not, Or, Term

__all__ = ["CompiledTopic", "shape_of"]


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
    misses: int = 0

    @classmethod
    def compile(cls, id: int, tree: Node, required: frozenset[str]) -> CompiledTopic:
        patterns = frozenset(p for term in tree.terms() for p in term.patterns)
        return cls(id, tree, patterns, required, *shape_of(tree))

    def holds(self, found: set[str]) -> bool:
        if self.all_of is None:
            return self.tree.holds(found)
        return (
            self.all_of <= found
            and self.none_of.isdisjoint(found)
            and (not self.any_of or all(not s.isdisjoint(found) for s in self.any_of))
        )


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
