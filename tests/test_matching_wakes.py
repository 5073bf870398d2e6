"""How the index decides woken topics cheaply: sure topics, gates, compiled checks.

None of it may change a result: each helper is checked against the topic's tree, and the
index against the slow one-topic-at-a-time reference over many stories, with topics gated,
re-pointed, removed and added again on the way.
"""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.matching import Aliases, Query, TopicError, TopicIndex, parse_query
from alertbot.matching.compiled import CompiledTopic, holds_when_gated, holds_when_woken, pick
from alertbot.matching.tree import Node, by_length
from alertbot.matching.wakes import Wakes

GROUPS = Aliases.from_names([["Karabakh", "Artsakh", "Nagorno-Karabakh"], ["Covid-19", "SARS"]])
_WORDS = ["baku", "Yerevan", "karabakh", "ceasefire", "UN", "covid", "talks", "drone", "19"]


def tree(topic: str) -> Node:
    return parse_query(topic, GROUPS).tree


def compiled(topic: str) -> CompiledTopic:
    t = tree(topic)
    required = t.required()
    assert required is not None
    return CompiledTopic.compile(0, t, required)


def patterns(topic: str) -> list[str]:
    return sorted({p for term in tree(topic).terms() for p in term.patterns})


@pytest.mark.parametrize(
    ("topic", "sure"),
    [
        ("Baku", True),  # a term woken by its own patterns
        ('"Baku talks"', True),
        ("Karabakh", True),  # aliases: any of its names
        ("Baku OR Yerevan OR drone*", True),
        ("Baku talks", False),  # woken by one word, the other may be missing
        ("Baku -talks", False),  # an exclusion can fail whatever wakes it
        ("(Baku talks) OR drone", False),  # woken by `baku` or `drone`: baku alone is not enough
        ("Baku OR -talks", False),  # parse_query may refuse; if not, never sure
    ],
)
def test_holds_when_woken(topic: str, sure: bool) -> None:
    try:
        t = tree(topic)
    except TopicError:
        return
    required = t.required()
    if required is None:
        return
    assert holds_when_woken(t, required) is sure


def test_pick_takes_the_best_ranked_part_and_the_next_as_its_gate() -> None:
    t = tree("Baku ceasefire talks")
    by_name = {p.strip("\x01 "): frozenset({p}) for p in patterns("Baku ceasefire talks")}
    order = ["talks", "baku", "ceasefire"]  # ranked best first

    def rank(ps: frozenset[str]) -> tuple[float, ...]:
        return (-order.index(next(n for n, s in by_name.items() if s == ps)),)

    assert pick(t, rank) == (by_name["talks"], by_name["baku"])
    assert pick(t, rank)[0] == t.required(rank)  # the same choice as the tree's own


def test_pick_gives_no_gate_where_no_other_part_is_needed() -> None:
    for topic in ("Baku", "Baku OR talks", "Baku -talks"):
        t = tree(topic)
        assert pick(t, by_length) == (t.required(by_length), None)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*_WORDS, "Karabakh", "drone*"]), min_size=1, max_size=3),
    st.sampled_from(["{0}", "{0} -{1}", "({0} OR {1}) {2}", "{0} -({1} OR {2})", "{0} OR {1}"]),
    st.randoms(use_true_random=False),
)
def test_the_compiled_check_is_the_tree(words: list[str], shape: str, rng: random.Random) -> None:
    topic = shape.format(*(words * 3))
    try:
        entry = compiled(topic)
    except TopicError:
        return
    every = sorted(entry.patterns)
    for _ in range(20):
        found = {p for p in every if rng.random() < 0.5}
        assert entry.holds(found) == entry.tree.holds(found)


def test_wakes_file_and_forget_each_kind() -> None:
    wakes = Wakes()
    sure, plain = compiled("Baku"), compiled("Yerevan talks")
    paired, gated = compiled("drone talks"), compiled("drone talks Baku")
    for entry in (paired, gated):
        entry.required, entry.gate = frozenset(patterns("drone")), frozenset(patterns("talks"))
    for entry in (sure, plain, paired, gated):
        wakes.add(entry)
    assert (sure.sure, plain.sure, paired.sure, gated.sure) == (True, False, True, False)
    baku, yerevan, drone, talks = (set(patterns(w)) for w in ("Baku", "Yerevan", "drone", "talks"))
    assert wakes.woken(baku | yerevan | drone) == ({sure}, {plain})  # no `talks`: not gated
    assert wakes.woken(drone | talks) == (set(), {paired, gated})
    for entry in (sure, plain, paired, gated):
        wakes.discard(entry)
    assert wakes.woken(baku | yerevan | drone | talks) == (set(), set())
    assert not wakes._slots and not wakes._patterns


@pytest.mark.parametrize(
    ("topic", "sure"),
    [
        ("Baku talks", True),
        ("(truce OR ceasefire) Baku", True),
        ("Karabakh ceasefire", True),
        ("Baku talks drone", False),  # a third part may be missing
        ("Baku -talks", False),
        ("(Baku talks) OR drone", False),
        ("Baku (talks OR -drone)", False),
    ],
)
def test_holds_when_gated(topic: str, sure: bool) -> None:
    try:
        t = tree(topic)
    except TopicError:
        return
    assert holds_when_gated(t) is sure


def test_a_gated_topic_is_woken_only_when_its_gate_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = TopicIndex()
    index.add(1, "ceasefire Mingachevir")
    index.add(2, "ceasefire Mingachevir talks")
    two, three = index._keys[1][1], index._keys[2][1]
    assert two.required == three.required == {"\x01mingachevir"}  # the longer word, at first
    for day in range(3):  # woken for nothing: re-pointed at ceasefire, gated by the next
        assert index.match("Mingachevir", f"day {day}") == set()
    assert two.required == {"\x01ceasefire"} and two.gate == {"\x01mingachevir"}
    assert three.required == {"\x01ceasefire"} and three.gate == {"\x01talks"}
    evaluated: list[CompiledTopic] = []
    holds = CompiledTopic.holds
    monkeypatch.setattr(CompiledTopic, "holds", lambda e, f: evaluated.append(e) or holds(e, f))
    assert index.match("Ceasefire", "again") == set()
    assert evaluated == []
    assert index.match("Ceasefire", "in Mingachevir") == {1}  # both found: sure, not evaluated
    assert evaluated == []
    assert index.match("Ceasefire talks", "") == set()  # three parts: evaluated, then it fails
    assert evaluated == [three]
    assert index.match("Ceasefire talks", "in Mingachevir") == {1, 2}


_STORY_WORDS = [*_WORDS, "Nagorno–Karabakh", "Artsakh’s", "SARS", "ceasefires", "drones", "other"]


def _story(rng: random.Random) -> tuple[str, str]:
    def words(n: int) -> str:
        return " ".join(rng.choice(_STORY_WORDS) for _ in range(n))

    return words(rng.randint(0, 3)), words(rng.randint(0, 12))


def _topic(rng: random.Random) -> str:
    w = [rng.choice([*_WORDS, "Karabakh", "drone*", "Covid-19"]) for _ in range(3)]
    shape = rng.choice(
        ["{0}", "{0} {1}", "{0} {1} {2}", "({0} OR {1}) {2}", "{0} -{1}", "{0} OR {1}"]
    )
    return shape.format(*w)


@pytest.mark.parametrize("seed", range(6))
def test_the_index_agrees_with_the_reference_while_topics_settle_and_change(seed: int) -> None:
    rng = random.Random(seed)
    index = TopicIndex(GROUPS)
    queries: dict[int, Query] = {}

    def add(key: int) -> None:
        with contextlib.suppress(TopicError):  # e.g. `x -x`; the key keeps what it had
            queries[key] = index.add(key, _topic(rng))

    for key in range(60):
        add(key)
    for n in range(400):
        title, text = _story(rng)
        expected = {key for key, q in queries.items() if q.matches(title, text) is not None}
        assert index.match(title, text) == expected, (title, text)
        if n % 40 == 39:  # churn: settled topics go, new ones come, keys change topic
            for key in rng.sample(sorted(queries), 10):
                index.remove(key)
                del queries[key]
            for key in rng.sample(range(80), 10):
                add(key)
    entries = list(index._entries.values())  # every kind was there to be checked
    assert any(e.gate is not None for e in entries) and any(e.sure for e in entries)
    assert any(e.gate is None and not e.sure for e in entries)
