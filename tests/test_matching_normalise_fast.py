"""The normal form's fast paths give what the plain definitions give, character for character.

The plain definitions: fold the whole text at once (NFKD, casefold, NFKD, the table) and take
the tokens with the one tokenising regular expression.
"""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

normalise = importlib.import_module("alertbot.matching.normalise")  # the package re-exports
# a function of the same name

_PIECES = [*"aZ09 -–—'’\"“”.,#\u00adİıÉßĞğłЖёΣσςԱ中・゠カ한Ⅻ²½ﬁ①ℌ\u200d\n\t", "e\u0301", "ու"]
_PIECES += ["\u0f73", "\u0345", "\u093f", "\U0001d400", "\U0001f600", "ǅ", "ẞ", "Ꭰ", "ꭰ"]
_MIXED = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


def _plain_tokens(text: str) -> list[str]:
    return normalise._TOKEN.findall(normalise._fold_all(normalise.prepare(text)))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), _MIXED))
def test_fold_and_tokens_agree_with_the_plain_definitions(text: str) -> None:
    assert normalise._fold(text) == normalise._fold_all(text)
    assert normalise.tokens(text) == _plain_tokens(text)
    assert normalise.normalise(text) == " ".join(_plain_tokens(text))


def test_every_basic_plane_character_folds_and_splits_as_the_plain_definitions() -> None:
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        text = f"Ab{chr(cp)}{chr(cp)}1 x{chr(cp)}"
        assert normalise.tokens(text) == _plain_tokens(text), hex(cp)


def test_non_ascii_gives_the_distinct_non_ascii_characters() -> None:
    assert normalise._non_ascii("plain text") == set()
    assert normalise._non_ascii("Nagorno–Karabakh’s – Qarabağ") == {"–", "’", "ğ"}
    assert normalise._non_ascii("a\ud800b\U0001f600") == {"\ud800", "\U0001f600"}  # lone surrogate


@pytest.mark.parametrize(
    ("text", "chars", "held"),
    [
        ("cease-fire", "_DASH_CHARS", True),
        ("cease–fire", "_DASH_CHARS", True),
        ("ceasefire – ", "_PREPARE_HINTS", False),
        ("Georgia’s", "_PREPARE_HINTS", True),
        ("Georgia's", "_PREPARE_HINTS", True),
        ("#LongsorSumedang", "_PREPARE_HINTS", True),
        ("Georgias", "_PREPARE_HINTS", False),
        ("", "_DASH_CHARS", False),
    ],
)
def test_holds_any(text: str, chars: str, held: bool) -> None:
    assert normalise._holds_any(text, getattr(normalise, chars)) is held


@pytest.mark.parametrize(
    ("char", "as_itself", "separates"),
    [
        ("’", True, True),
        ("–", True, True),
        ("“", True, True),
        ("ğ", False, False),  # an accent to drop
        ("Σ", False, False),  # lower() looks at its neighbours
        ("ж", True, False),  # a letter: in tokens
        ("・", True, False),  # in the CJK block: a token of its own
        ("\u093f", True, False),  # a vowel sign kept inside its word
        ("\u0301", False, True),  # dropped before tokenising
        ("²", False, False),  # NFKD: "2"
    ],
)
def test_character_classes(char: str, as_itself: bool, separates: bool) -> None:
    assert normalise._folds_as_itself(char) is as_itself
    assert normalise._separates(char) is separates
