"""TopicIndex: many subscriptions matched at once, agreeing with a slow reference."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertbot.matching import Aliases, Reason, TopicError, TopicIndex, normalise, parse_query
from alertbot.matching.compiled import CompiledTopic
from alertbot.matching.forms import cased_pattern, inflections, spelled_in
from alertbot.matching.normalise import searchable
from alertbot.matching.tree import And, Node, Not, Or, Term

GROUPS = Aliases.from_names([["Karabakh", "Artsakh", "Nagorno-Karabakh"], ["Covid-19", "SARS"]])


def test_add_match_remove() -> None:
    index = TopicIndex()
    query = index.add(1, "Armenia ceasefire")
    assert query.understood == "armenia ceasefire (+ word forms)"
    index.add(2, "Baku OR Yerevan")
    index.add(3, "Armenia ceasefire")  # same topic, another chat
    assert len(index) == 3
    assert index.match("Ceasefire holds", "Armenia says") == {1, 3}
    assert index.match("Talks in Baku", "") == {2}
    index.remove(1)
    index.remove(1)  # gone already: no error
    index.remove("never added")
    assert index.match("Ceasefire holds", "Armenia says") == {3}
    assert len(index) == 2


def test_add_replaces_the_topic_of_a_key() -> None:
    index = TopicIndex()
    index.add(1, "Armenia")
    index.add(1, "Georgia")
    assert len(index) == 1
    assert index.match("Armenia", "") == set()
    assert index.match("Georgia", "") == {1}


def test_a_bad_topic_stores_nothing() -> None:
    index = TopicIndex()
    index.add(1, "Armenia")
    with pytest.raises(TopicError, match="Unbalanced quotes"):
        index.add(1, '"Georgia')
    with pytest.raises(TopicError, match="Only exclusions"):
        index.add(2, "-Georgia")
    assert len(index) == 1
    assert index.match("Armenia", "") == {1}


def test_parsed_queries_are_accepted() -> None:
    index = TopicIndex()
    query = parse_query("Karabakh", GROUPS)
    assert index.add(7, query) is query
    assert index.match("", "Artsakh") == {7}


def test_empty_index_and_empty_story() -> None:
    index = TopicIndex()
    assert index.match("Anything", "at all") == set()
    assert index.explain("", "") == {}
    index.add(1, "Armenia")
    index.remove(1)
    assert index.match("Armenia", "") == set()


@pytest.mark.parametrize(
    ("topics", "title", "text", "expected"),
    [
        # only OR alternatives: any one wakes the topic
        (["Baku OR Yerevan OR Tbilisi"], "", "Tbilisi calm", {0}),
        # exclusions are checked after the positive part matched
        (["Armenia -football", "Armenia football"], "Armenia football", "", {1}),
        (["Armenia -football"], "Armenia", "Football elsewhere", set()),
        # prefix terms: boundary at the start only
        (["armen*", "rmenia"], "Armenians", "", {0}),
        (["armen*"], "Tarmenians", "", set()),
        # aliases expanding to several phrases; inflected forms
        (["Karabakh"], "", "Nagorno–Karabakh", {0}),
        (["Nagorno-Karabakh ceasefire"], "Ceasefire", "in Artsakh", {0}),
        # a phrase never spans the title and the text
        (['"ceasefire talks"'], "Ceasefire", "Talks", set()),
        # words may be split between the title and the text
        (["ceasefire talks"], "Ceasefire", "Talks", {0}),
        # nested groups fall back to evaluating the tree
        (["(Baku (talks OR truce)) OR (Yerevan -rally)"], "Yerevan", "", {0}),
        (["(Baku (talks OR truce)) OR (Yerevan -rally)"], "Yerevan rally", "", set()),
        (["(Baku (talks OR truce)) OR (Yerevan -rally)"], "Yerevan rally", "Baku truce", {0}),
        (["UN"], "UN Security Council", "", {0}),
        (["UN"], "Unclear", "unidentified", set()),
    ],
)
def test_subtle_cases(topics: list[str], title: str, text: str, expected: set[int]) -> None:
    index = TopicIndex(GROUPS)
    for key, topic in enumerate(topics):
        index.add(key, topic)
    assert index.match(title, text) == expected
    assert set(index.explain(title, text)) == expected


def test_explain_gives_each_key_its_reason() -> None:
    index = TopicIndex(GROUPS)
    index.add(1, "Karabakh")
    index.add(2, "Covid-19 -football")
    index.add(3, "Georgia")
    reasons = index.explain("Talks on Nagorno–Karabakh", "COVID19 cases rise in Georgia’s capital")
    assert reasons == {
        1: Reason("Nagorno–Karabakh", "title"),
        2: Reason("COVID19", "text"),
        3: Reason("Georgia", "text"),
    }
    assert str(reasons[1]) == "matched “Nagorno–Karabakh” in the title"


class _CountingAutomaton:
    """Wraps the index's automaton to count rebuilds (the C type takes no new attributes)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.builds = inner, 0

    def make_automaton(self) -> None:
        self.builds += 1
        self.inner.make_automaton()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_automaton_is_rebuilt_lazily_once_before_the_next_match() -> None:
    index = TopicIndex()
    counting = _CountingAutomaton(index._automaton)
    index._automaton = counting
    for key in range(500):  # quoted: exact words are automaton words (forms are not)
        index.add(key, f'"place{chr(97 + key % 26)}{chr(97 + key // 26)}"')
    assert counting.builds == 0
    assert index.match("placeab", "") == {26}
    assert index.match("placeac", "") == {52}
    assert counting.builds == 1
    index.add(1000, '"Armenia"')
    index.remove(0)
    index.remove(1)
    assert counting.builds == 1
    assert index.match("Armenia placeaa placeba", "") == {1000}
    assert counting.builds == 2


def test_only_topics_woken_by_a_found_word_are_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluated: list[object] = []
    holds = CompiledTopic.holds

    def counting_holds(entry: CompiledTopic, found: set[str]) -> bool:
        evaluated.append(entry)
        return holds(entry, found)

    monkeypatch.setattr(CompiledTopic, "holds", counting_holds)
    index = TopicIndex()
    for key in range(3000):
        index.add(key, f"topic{key:04d}x report{key:04d}x -rumour")
    assert index.match("Nothing subscribed here", "at all, in a long text " * 50) == set()
    assert evaluated == []
    assert index.match("Topic0042x", "report0042x") == {42}
    assert len(evaluated) == 1


def test_a_topic_woken_for_nothing_moves_to_its_rarer_word() -> None:
    index = TopicIndex()
    index.add(1, "ceasefire Mingachevir")  # the longer word wakes it at first
    entry = index._keys[1][1]
    assert entry.required == {"\x01mingachevir"}  # the word and its forms (forms.py)
    for day in range(40):
        assert index.match("Mingachevir", f"news of day {day}") == set()
    assert entry.required == {"\x01ceasefire"}
    assert index.match("Mingachevir", "ceasefire") == {1}
    assert index.match("Mingachevir", "") == set()


# --- agreement with slow references on random topics and stories -----------------------

_WORDS = ["baku", "Yerevan", "karabakh", "Artsakh", "cease", "ceasefire", "UN", "covid", "19"]
_SEPARATORS = [" ", " ", "-", "–", ", ", "’s ", "\n", " “", "” "]


def _cased(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.upper(), word.lower(), word.title()]))


@st.composite
def _terms(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["word", "word", "prefix", "phrase", "dashed"]))
    if kind == "prefix":
        return draw(st.sampled_from(["cease*", "kara*", "yere*", "covid*"]))
    if kind == "word":
        return _cased(draw, draw(st.sampled_from(_WORDS)))
    first, second = _cased(draw, draw(st.sampled_from(_WORDS))), draw(st.sampled_from(_WORDS))
    return f'"{first} {second}"' if kind == "phrase" else f"{first}-{second}"


@st.composite
def _topics(draw: st.DrawFn, depth: int = 0) -> str:
    alternatives = []
    for _ in range(draw(st.integers(1, 2))):
        parts = [draw(_terms())]
        for _ in range(draw(st.integers(0, 2))):
            part = draw(_terms()) if depth or draw(st.booleans()) else f"({draw(_topics(1))})"
            parts.append(f"-{part}" if draw(st.integers(0, 3)) == 0 else part)
        alternatives.append(" ".join(draw(st.permutations(parts))))
    return " OR ".join(alternatives)


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from([*_WORDS, "other", "Unclear", "ceasefires"]), max_size=9))
    out = ""
    for word in words:
        out += _cased(draw, word) + draw(st.sampled_from(_SEPARATORS))
    return out


def _occurs(words: tuple[str, ...], prefix: bool, tokens: list[str]) -> bool:
    k = len(words)
    for i in range(len(tokens) - k + 1):
        window = tokens[i : i + k]
        if window[:-1] == list(words[:-1]) and (
            window[-1].startswith(words[-1]) if prefix else window[-1] == words[-1]
        ):
            return True
    return False


def _fields(original: str) -> list[tuple[list[str], str]]:
    """The text's tokens, then each dashed compound joined, each with the original."""
    return [(segment.split(), original) for segment in searchable(original).split("\n")]


def _reference(node: Node, fields: list[tuple[list[str], str]]) -> bool:
    """Token by token, field by field: no padding, no patterns, no automaton."""
    if isinstance(node, Term):
        cased = node.cased or ("",) * len(node.forms)
        forms = inflections(node.words[0]) if node.inflected else frozenset()
        if any(token in forms for tokens, _ in fields for token in tokens):
            return True
        return any(
            _occurs(form, node.prefix, tokens)
            and (not spelled or spelled_in(cased_pattern(spelled, " x "), original))
            for form, spelled in zip(node.forms, cased, strict=True)
            for tokens, original in fields
        )
    if isinstance(node, And):
        return all(_reference(part, fields) for part in node.parts)
    if isinstance(node, Or):
        return any(_reference(part, fields) for part in node.parts)
    assert isinstance(node, Not)
    return not _reference(node.part, fields)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    topics=st.lists(_topics(), min_size=1, max_size=12),
    stories=st.lists(st.tuples(_texts(), _texts()), min_size=1, max_size=6),
    removed=st.sets(st.integers(0, 11), max_size=3),
)
def test_index_agrees_with_slow_references(
    topics: list[str], stories: list[tuple[str, str]], removed: set[int]
) -> None:
    index = TopicIndex(GROUPS)
    queries = {}
    for key, topic in enumerate(topics):
        try:
            queries[key] = index.add(key, topic)
        except TopicError:
            continue  # e.g. only exclusions; nothing stored
    for key in removed:
        index.remove(key)
        queries.pop(key, None)
    assert len(index) == len(queries)
    for title, text in stories * 2:  # twice: the second pass may use re-picked wake words
        fields = _fields(title) + _fields(text)
        expected = {key for key, query in queries.items() if _reference(query.tree, fields)}
        assert {key for key, q in queries.items() if q.matches(title, text)} == expected
        assert index.match(title, text) == expected
        reasons = index.explain(title, text)
        assert set(reasons) == expected
        for key in expected:
            reason = reasons[key]
            assert reason == queries[key].matches(title, text)
            field = title if reason.where == "title" else text
            joined = normalise(field).replace(" ", "")  # a compound found joined
            assert reason.term in field or normalise(reason.term).replace(" ", "") in joined
