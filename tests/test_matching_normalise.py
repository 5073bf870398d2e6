"""The normal form matching compares: case, accents, dashes, quotes and Unicode forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.matching import normalise
from alertbot.matching.normalise import Words

EN_DASH, EM_DASH, MINUS, SOFT_HYPHEN = "\u2013", "\u2014", "\u2212", "\u00ad"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every dash and hyphen separates words
        ("Nagorno-Karabakh", "nagorno karabakh"),
        (f"Nagorno{EN_DASH}Karabakh", "nagorno karabakh"),
        (f"Nagorno{EM_DASH}Karabakh", "nagorno karabakh"),
        ("Nagorno\u2010Karabakh", "nagorno karabakh"),  # HYPHEN
        ("Nagorno\u2011Karabakh", "nagorno karabakh"),  # NON-BREAKING HYPHEN
        ("Nagorno\u2012Karabakh", "nagorno karabakh"),  # FIGURE DASH
        ("Nagorno\u2015Karabakh", "nagorno karabakh"),  # HORIZONTAL BAR
        (f"Nagorno{MINUS}Karabakh", "nagorno karabakh"),
        ("Nagorno\ufe63Karabakh", "nagorno karabakh"),  # SMALL HYPHEN-MINUS
        ("Nagorno\uff0dKarabakh", "nagorno karabakh"),  # FULLWIDTH HYPHEN-MINUS
        ("NAGORNO-KARABAKH", "nagorno karabakh"),
        ("  Nagorno   Karabakh\n", "nagorno karabakh"),
        # a soft hyphen is invisible, inside a word
        (f"Kara{SOFT_HYPHEN}bakh", "karabakh"),
        # letters and digits: joined or split alike
        ("Covid-19", "covid 19"),
        ("COVID19", "covid 19"),
        ("covid 19", "covid 19"),
        ("SARS-CoV-2", "sars cov 2"),
        ("G7", "g 7"),
        # quotes separate; an apostrophe inside a word vanishes, a possessive 's goes
        ("Georgia's", "georgia"),
        ("Georgia’s", "georgia"),
        ("Brothers' house", "brothers house"),
        ("Ma'ruf Amin", "maruf amin"),
        ("Ma’ruf", "maruf"),
        ("MA'RUF", "maruf"),
        ("Karabağ'da", "karabagda"),
        ("'Artsakh'", "artsakh"),
        ("“Artsakh”", "artsakh"),
        ("«Арцах»", "арцах"),
        ("O\u02bczbekiston", "ozbekiston"),  # MODIFIER LETTER APOSTROPHE
        # hashtags split at case changes
        ("#LongsorSumedang", "longsor sumedang"),
        ("#UNSummit", "un summit"),
        ("#banjir", "banjir"),
        ("#Covid19", "covid 19"),
        # accents and diacritics
        ("Dağlıq Qarabağ", "dagliq qarabag"),
        ("Łódź", "lodz"),
        ("Ålborg", "alborg"),
        ("Citroe\u0308n", "citroen"),  # decomposed diaeresis
        ("Ёлка", "елка"),
        # Turkish and Azerbaijani dotted and dotless i
        ("İSTANBUL", "istanbul"),
        ("ıstanbul", "istanbul"),
        ("İlham Əliyev", "ilham əliyev"),
        # compatibility forms (NFKC)
        ("ＣＯＶＩＤ－１９", "covid 19"),
        ("ﬁnance", "finance"),
        ("Ⅻ", "xii"),
        ("²", "2"),
        ("straße", "strasse"),
        # other scripts keep their letters; their digits become ASCII
        ("Լեռնային Ղարաբաղ", "լեռնային ղարաբաղ"),
        ("مُحَمَّد ٣", "محمد 3"),  # Arabic vowel marks go, like accents
        ("हिन्दी", "हिन्दी"),
        # scripts written without spaces: one token per character
        ("中国人民", "中 国 人 民"),
        ("", ""),
        ("— … !", ""),
    ],
)
def test_normal_form(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_seed_spelling_with_en_dash_matches_every_way_of_typing_it() -> None:
    seed = normalise("wilayah Nagorno–Karabakh terus")
    for typed in ("Nagorno-Karabakh", "Nagorno Karabakh", "NAGORNO-KARABAKH"):
        assert f" {normalise(typed)} " in f" {seed} "


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


_PIECES = [*"aZ09 -–—'’\"“.,\u00adİıÉßĞłЖёԱ中Ⅻﬁ\u200d\n", "e\u0301", "ու"]
_MIXED = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(_MIXED)
def test_words_map_every_token_back_to_the_original(text: str) -> None:
    words = Words(text)
    assert [token for token, _, _ in words.spans] == normalise(text).split()
    for token, start, end in words.spans:
        assert normalise(text[start:end]) == token
        assert words.find([((token,), False)]) is not None


@pytest.mark.parametrize(
    ("text", "variant", "found"),
    [
        ("War in Nagorno–Karabakh, again", (("nagorno", "karabakh"), False), "Nagorno–Karabakh"),
        ("Georgia’s runoff", (("georgia",), False), "Georgia"),
        ("The ARMENIANS said", (("armen",), True), "ARMENIANS"),
        ("COVID 19 cases", (("covid", "19"), False), "COVID 19"),
        ("в Нагорном Карабахе", (("в", "нагорном"), False), "в Нагорном"),
        ("Dağlıq Qarabağda", (("qarabagda",), False), "Qarabağda"),
        ("Citroe\u0308n cars", (("citroen",), False), "Citroe\u0308n"),
        ("nothing here", (("karabakh",), False), None),
    ],
)
def test_words_find_the_original_spelling(
    text: str, variant: tuple[tuple[str, ...], bool], found: str | None
) -> None:
    assert Words(text).find([variant]) == found


def test_words_prefer_the_earliest_then_the_longest_variant() -> None:
    words = Words("COVID 19 and Covid later")
    assert words.find([(("covid",), False), (("covid", "19"), False)]) == "COVID 19"
    assert Words("Covid, then COVID 19").find([(("covid", "19"), False), (("covid",), False)]) == (
        "Covid"
    )
