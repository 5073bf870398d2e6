"""Which topics a story's found patterns wake, and which of them need evaluating.

A topic is woken when one of its required patterns is found (index.py). Most woken topics
are decided without calling anything per topic, with C-level set and dict operations only:

- sure: a term, or an OR of terms, woken by its own patterns holds whatever else the story
  holds (`holds_when_woken`), so it is matched unevaluated;
- gated: a topic woken for nothing is re-pointed at its rarest part (index.py) and filed
  under it *and* a gate, the next rarest part's patterns, one of which it needs too
  (`pick`): it is woken only when both are found. For `Armenia ceasefire` woken by armenia,
  a story without ceasefire costs one set look-up, and one with it matches the topic
  unevaluated (`holds_when_gated`); a topic of three parts is evaluated then;
- the rest are evaluated, and count their wake-ups for nothing (misses) so the index can
  re-point them at a rarer part.

Which one a topic is changes only the cost, never the result: a sure topic would hold, a
gate is a condition the topic needs.
"""

from __future__ import annotations

from alertbot.matching.compiled import CompiledTopic, holds_when_gated, holds_when_woken

__all__ = ["Wakes"]


class Wakes:
    """The woken-by index: pattern -> topics, in the three kinds above."""

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._patterns: set[str] = set()  # the slots' keys again: set & set is the fastest

    def add(self, entry: CompiledTopic) -> None:
        """File the entry by its `required` and `gate`; discard it before changing either."""
        if entry.gate is None:
            entry.sure = holds_when_woken(entry.tree, entry.required)
        else:
            entry.sure = holds_when_gated(entry.tree)
        for p in entry.required:
            slot = self._slots.get(p)
            if slot is None:
                slot = self._slots[p] = _Slot()
                self._patterns.add(p)
            if entry.gate is None:
                if entry.sure:
                    slot.sure = _with(slot.sure, entry)
                else:
                    slot.check = _with(slot.check, entry)
                continue
            gated, gates = slot.gated, slot.gates
            if gated is None or gates is None:
                gated, gates = slot.gated, slot.gates = {}, set()
            for q in entry.gate:
                gated[q] = _with(gated.get(q), entry)
                gates.add(q)

    def discard(self, entry: CompiledTopic) -> None:
        for p in entry.required:
            slot = self._slots[p]
            if entry.gate is None:
                if entry.sure:
                    slot.sure = _without(slot.sure, entry)
                else:
                    slot.check = _without(slot.check, entry)
            elif slot.gated is not None and slot.gates is not None:
                for q in entry.gate:
                    left = _without(slot.gated[q], entry)
                    if left is None:
                        del slot.gated[q]
                        slot.gates.discard(q)
                    else:
                        slot.gated[q] = left
                if not slot.gated:
                    slot.gated = slot.gates = None
            if not (slot.sure or slot.check or slot.gates):
                del self._slots[p]
                self._patterns.discard(p)

    def woken(self, found: set[str]) -> tuple[set[CompiledTopic], set[CompiledTopic]]:
        """The topics that hold unevaluated (a new set), and those to evaluate unless sure."""
        slots = self._slots
        matched: set[CompiledTopic] = set()
        woken: set[CompiledTopic] = set()
        # A set & a set walks the smaller side in C: a few dozen found patterns against tens
        # of thousands, or a slot's gates against the story's patterns.
        for p in found & self._patterns:
            slot = slots[p]
            if slot.sure:
                matched |= slot.sure
            if slot.check:
                woken |= slot.check
            if slot.gates:
                gated = slot.gated
                assert gated is not None
                for q in slot.gates & found:
                    woken |= gated[q]
        return matched, woken


class _Slot:
    """The topics one pattern wakes; None for a kind it has none of (most slots have one)."""

    __slots__ = ("check", "gated", "gates", "sure")

    def __init__(self) -> None:
        self.sure: set[CompiledTopic] | None = None
        self.check: set[CompiledTopic] | None = None
        self.gated: dict[str, set[CompiledTopic]] | None = None  # gate pattern -> topics
        self.gates: set[str] | None = None  # gated's keys


def _with(entries: set[CompiledTopic] | None, entry: CompiledTopic) -> set[CompiledTopic]:
    if entries is None:
        return {entry}
    entries.add(entry)
    return entries


def _without(entries: set[CompiledTopic] | None, entry: CompiledTopic) -> set[CompiledTopic] | None:
    assert entries is not None
    entries.discard(entry)
    return entries or None
