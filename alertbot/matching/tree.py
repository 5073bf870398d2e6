"""A parsed topic as a tree of terms, AND, OR and NOT, evaluated over found patterns.

A term is present in a text when one of its patterns occurs in the text's normal form padded
with spaces: " nagorno karabakh " for a phrase, " armen" (open end) for the prefix armen*.
The padding makes every occurrence a whole-word one, which lets one multi-pattern automaton
find all terms of all topics in a single pass. An acronym's patterns are cased (see forms.py):
found only when the story also writes the word in capitals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field

from alertbot.i18n import ENGLISH, N_, Texts
from alertbot.matching.forms import cased_pattern, forms_pattern

__all__ = ["And", "Node", "Not", "Or", "Rank", "Term", "by_length", "pattern"]

Rank = Callable[[frozenset[str]], tuple[float, ...]]  # higher: a better set to wake a topic by

_SHOWN_ALIASES = 4  # names listed after a term in the reply; the rest is "…"


def by_length(patterns: frozenset[str]) -> tuple[float, ...]:
    """Rank for when nothing is known about stories: long words are rarer."""
    return (min(map(len, patterns)), -len(patterns))


def pattern(words: tuple[str, ...], prefix: bool) -> str:
    """The padded string whose occurrence in the padded normal form means the words occur."""
    return " " + " ".join(words) + ("" if prefix else " ")


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase (maybe a prefix), with the forms and alias forms that count as it."""

    words: tuple[str, ...]  # normalised tokens, as typed
    prefix: bool
    forms: tuple[tuple[str, ...], ...]  # `words` first, then word forms, then alias forms
    shown: str = field(compare=False)  # display form, e.g. "nagorno karabakh"
    aliases: tuple[str, ...] = field(default=(), compare=False)  # other names, for the reply
    cased: tuple[str, ...] = ()  # per form: the acronym spelling it needs ("UN"), or ""
    inflected: bool = False  # its word forms count too (forms.py): longsornya, pascalongsor
    quoted: bool = field(default=False, compare=False)  # typed in quotes, for the reply
    patterns: tuple[str, ...] = field(init=False, compare=False, repr=False)
    pattern_set: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        cased = self.cased + ("",) * (len(self.forms) - len(self.cased))
        patterns = tuple(
            cased_pattern(spelled, pattern(form, self.prefix))
            if spelled
            else pattern(form, self.prefix)
            for form, spelled in zip(self.forms, cased, strict=True)
        )
        if self.inflected:  # the word and its forms are one pattern: "\x01longsor"
            patterns = (forms_pattern(self.words[0]), *patterns[1:])
        object.__setattr__(self, "patterns", patterns)
        object.__setattr__(self, "pattern_set", frozenset(patterns))

    def holds(self, found: Set[str]) -> bool:
        return not self.pattern_set.isdisjoint(found)

    def terms(self) -> Iterator[Term]:
        yield self

    def required(self, rank: Rank = by_length) -> frozenset[str] | None:
        """Patterns one of which must be found for this to hold; None if it can hold alone."""
        return self.pattern_set

    def support(self, found: Set[str]) -> list[Term]:
        return [self] if self.holds(found) else []

    def render(self, t: Texts = ENGLISH) -> str:
        if self.cased and self.cased[0]:
            text = t.gettext(N_("{term} — as an acronym")).format(term=self.cased[0])
        else:
            text = self.shown + ("*" if self.prefix else "")
            if len(self.words) > 1 or self.quoted:
                text = f'"{text}"'
        if self.aliases:
            more = ", …" if len(self.aliases) > _SHOWN_ALIASES else ""
            names = ", ".join(self.aliases[:_SHOWN_ALIASES]) + more
            text += " " + t.gettext(N_("(+ aliases: {names})")).format(names=names)
        return text


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]

    def holds(self, found: Set[str]) -> bool:
        return all(part.holds(found) for part in self.parts)

    def terms(self) -> Iterator[Term]:
        for part in self.parts:
            yield from part.terms()

    def required(self, rank: Rank = by_length) -> frozenset[str] | None:
        # Any one part's will do: the best ranked wakes the topic for the fewest stories.
        options = [r for r in (part.required(rank) for part in self.parts) if r is not None]
        return max(options, key=rank, default=None)

    def support(self, found: Set[str]) -> list[Term]:
        if not self.holds(found):
            return []
        return [term for part in self.parts for term in part.support(found)]

    def render(self, t: Texts = ENGLISH) -> str:
        return " ".join(
            f"({p.render(t)})" if isinstance(p, Or) else p.render(t) for p in self.parts
        )


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]

    def holds(self, found: Set[str]) -> bool:
        return any(part.holds(found) for part in self.parts)

    def terms(self) -> Iterator[Term]:
        for part in self.parts:
            yield from part.terms()

    def required(self, rank: Rank = by_length) -> frozenset[str] | None:
        union: set[str] = set()
        for part in self.parts:
            required = part.required(rank)
            if required is None:
                return None
            union |= required
        return frozenset(union)

    def support(self, found: Set[str]) -> list[Term]:
        return [term for part in self.parts for term in part.support(found)]

    def render(self, t: Texts = ENGLISH) -> str:
        return " OR ".join(
            f"({p.render(t)})" if isinstance(p, And) else p.render(t) for p in self.parts
        )


@dataclass(frozen=True, slots=True)
class Not:
    part: Node

    def holds(self, found: Set[str]) -> bool:
        return not self.part.holds(found)

    def terms(self) -> Iterator[Term]:
        yield from self.part.terms()

    def required(self, rank: Rank = by_length) -> frozenset[str] | None:
        return None  # true when nothing at all is found

    def support(self, found: Set[str]) -> list[Term]:
        return []

    def render(self, t: Texts = ENGLISH) -> str:
        inner = self.part.render(t)
        return f"-({inner})" if isinstance(self.part, And | Or) else f"-{inner}"


Node = Term | And | Or | Not
