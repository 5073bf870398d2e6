"""Why a story matches, found the slow way and said in the story's own words. Pure.

`found_in` is the reference the index must agree with (one search per pattern); the
Explainer turns found patterns back into the words as the story wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass

from alertbot.matching.forms import base_pattern, inflections, is_cased, is_forms, spelled_in
from alertbot.matching.normalise import Variant, Words, searchable
from alertbot.matching.tree import Node

__all__ = ["Explainer", "Reason", "found_in", "variants"]


@dataclass(frozen=True)
class Reason:
    """Why a story matched: the words as the story wrote them, and where."""

    term: str
    where: str  # "title" or "text"

    def __str__(self) -> str:
        return f"matched “{self.term}” in the {self.where}"


def found_in(patterns: set[str], text: str) -> set[str]:
    """The patterns present in a text, one search each (the index does it in one pass)."""
    padded = searchable(text)
    return {p for p in patterns if _present(p, padded, text)}


def _present(p: str, padded: str, text: str) -> bool:
    if is_forms(p):
        return any(f" {form} " in padded for form in (p[1:], *inflections(p[1:])))
    return base_pattern(p) in padded and (not is_cased(p) or spelled_in(p, text))


def variants(p: str, prefix: bool) -> list[Variant]:
    """The word sequences a present pattern stands for, to find them back in the text."""
    if is_forms(p):
        return [((form,), False) for form in sorted({p[1:], *inflections(p[1:])})]
    return [(tuple(base_pattern(p).split()), prefix)]


class Explainer:
    """Reasons for one story's matches; finds words back in its title and text once each."""

    def __init__(self, title: str, text: str, in_title: set[str], in_text: set[str]) -> None:
        self.fields = (("title", title, in_title), ("text", text, in_text))
        self.found = in_title | in_text
        self._words: dict[str, Words] = {}
        self._reasons: dict[tuple[str, tuple[Variant, ...]], Reason] = {}

    def reason(self, tree: Node) -> Reason:
        """The first term that made the topic match, in the title if it is there."""
        support = tree.support(self.found)
        for where, original, found in self.fields:
            for term in support:
                present = term.pattern_set & found
                if present:
                    hits = sorted(v for p in present for v in variants(p, term.prefix))
                    return self._reason(where, original, tuple(hits))
        raise ValueError("no reason: the topic does not match")

    def _reason(self, where: str, original: str, hits: tuple[Variant, ...]) -> Reason:
        known = self._reasons.get((where, hits))
        if known is None:
            if where not in self._words:
                self._words[where] = Words(original)
            words = self._words[where].find(hits) or " ".join(hits[0][0])
            known = Reason(words if len(words) <= 80 else words[:79] + "…", where)
            self._reasons[where, hits] = known
        return known
