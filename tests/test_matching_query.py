"""The topic language as a subscriber uses it: what matches, what is refused, what is echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.matching import Aliases, Reason, TopicError, parse_query

from .helpers import seed_text

ALIASES = Aliases.load(Path(__file__).parent.parent / "config" / "aliases.toml")


def matches(topic: str, text: str, title: str = "") -> bool:
    return parse_query(topic).matches(title, text) is not None


@pytest.mark.parametrize(
    ("topic", "text", "expected"),
    [
        # words: all required, any order
        ("Armenia ceasefire", "A ceasefire between Armenia and Azerbaijan", True),
        ("Armenia ceasefire", "Armenia rejects the truce", False),
        ("ceasefire Armenia", "Armenia agrees a ceasefire", True),
        # phrases: consecutive words
        ('"peace talks"', "Peace talks resume in Geneva", True),
        ('"peace talks"', "Talks on peace resume", False),
        ("“peace talks”", "peace talks", True),  # curly quotes from a phone keyboard
        ("«peace talks»", "peace talks", True),
        # an unquoted hyphenated or dashed term is a phrase
        ("Nagorno-Karabakh", "wilayah Nagorno–Karabakh terus", True),
        ("Nagorno-Karabakh", "Karabakh, not Nagorno", False),
        ("Nagorno–Karabakh", "NAGORNO-KARABAKH", True),
        ("Nagorno—Karabakh", "nagorno karabakh", True),
        # OR and parentheses
        ("(ceasefire OR truce) Karabakh", "A truce in Karabakh", True),
        ("(ceasefire OR truce) Karabakh", "A ceasefire in Karabakh", True),
        ("(ceasefire OR truce) Karabakh", "Fighting in Karabakh", False),
        ("(ceasefire OR truce) Karabakh", "A truce in Donbas", False),
        ("Baku OR Yerevan", "Talks in Yerevan", True),
        ("Baku OR Yerevan", "Talks in Tbilisi", False),
        ("Baku | Yerevan", "Talks in Baku", True),
        ("ceasefire or truce", "ceasefire or truce", True),  # lower-case "or" is a word
        ("ceasefire or truce", "ceasefire and truce", False),
        ("Armenia AND ceasefire", "Armenia ceasefire", True),
        # exclusions
        ("Armenia -football", "Armenia votes", True),
        ("Armenia -football", "Armenia football team wins", False),
        ('Armenia -"national team"', "Armenia national team", False),
        ('Armenia -"national team"', "Armenia team national", True),
        ("Armenia –football", "Armenia football", False),  # a dash from autocorrect
        ("Armenia -(football OR chess)", "Armenia chess final", False),
        ("Armenia -(football OR chess)", "Armenia election", True),
        # prefixes: boundary at the start only
        ("armen*", "Armenians protest", True),
        ("armen*", "Armenia", True),
        ("armen*", "Tarmenia", False),
        ('"nagorno kara*"', "Nagorno-Karabakh's", True),
        # whole words
        ("Georgia", "Georgia's runoff", True),
        ("Georgia", "Georgiana Smith", False),
        ("UN", "UN Security Council", True),
        ("UN", "unclear", False),
        ("UN", "Unidentified drones", False),
        # letters and digits joined or split alike
        ("Covid-19", "COVID19 cases", True),
        ("Covid-19", "covid 19 cases", True),
        ("COVID19", "Covid-19 cases", True),
        ("covid", "COVID-19", True),
        ("Covid-19", "Covid-1999", False),
        # case, accents, Turkish i, NFKC, soft hyphens, apostrophes
        ("Istanbul", "İSTANBUL", True),
        ("ıstanbul", "Istanbul", True),
        ("Qarabag", "Qarabağ", True),
        ("covid-19", "ＣＯＶＩＤ－１９", True),
        ("Karabakh", "Kara\u00adbakh", True),
        ("Georgias", "Georgia's", False),
        ("Georgia's", "Georgia’s", True),
        # other scripts
        ("Нагорный Карабах", "о Нагорном Карабахе", False),  # inflection needs an alias group
        ("中国", "中国人民", True),
    ],
)
def test_query_language(topic: str, text: str, expected: bool) -> None:
    assert matches(topic, text) is expected


@pytest.mark.parametrize("typed", ["Nagorno-Karabakh", "Nagorno Karabakh", "NAGORNO-KARABAKH"])
def test_seed_story_with_en_dash(typed: str) -> None:
    title, _, text = seed_text("001").partition("\n")
    assert parse_query(typed).matches(title, text) is not None
    reason = parse_query(typed, ALIASES).matches(title, text)
    assert reason == Reason("Nagorno–Karabakh", "text")
    assert str(reason) == "matched “Nagorno–Karabakh” in the text"


def test_seed_story_reason_prefers_the_title() -> None:
    title, _, text = seed_text("001").partition("\n")
    assert str(parse_query("Armenia Mingachevir").matches(title, text)) == (
        "matched “Armenia” in the title"
    )
    assert parse_query("Armenia -Mingachevir").matches(title, text) is None


def test_reason_names_the_alternative_that_matched() -> None:
    query = parse_query("(Baku OR Yerevan) talks")
    assert query.matches("Talks", "Officials in YEREVAN said") == Reason("Talks", "title")
    assert query.matches("News", "Officials in YEREVAN held talks") == Reason("YEREVAN", "text")


@pytest.mark.parametrize(
    ("topic", "message"),
    [
        ('"Nagorno Karabakh', 'Unbalanced quotes: add the closing ".'),
        ("(ceasefire OR truce Karabakh", "Unbalanced parentheses: add the closing )."),
        ("ceasefire) Karabakh", "Unbalanced parentheses: a ) has no matching (."),
        ("-football", "Only exclusions"),
        ('-football -"national team"', "Only exclusions"),
        ("Armenia OR -football", "An exclusion cannot be an OR alternative on its own"),
        ("x" * 201, "The topic is too long: 201 characters (at most 200)."),
        (" ".join(f"w{i}x" for i in range(21)), "Too many terms: 21 (at most 20)."),
        ("", "The topic is empty"),
        ("   ", "The topic is empty"),
        ("!!! ...", "The topic has no words to look for"),
        ("Armenia OR", "OR needs a word or phrase on each side."),
        ("OR Armenia", "OR needs a word or phrase on each side."),
        ("Baku OR OR Yerevan", "OR needs a word or phrase on each side."),
        ("Armenia ()", "Empty parentheses"),
        ('Armenia ""', "Empty quotes"),
        ("Armenia - football", 'A lone "-"'),
        ("ar*", "ar* is too short: give at least 3 letters before the *."),
        ("arm*nia", "* goes at the end of a word"),
        ("Armenia *", "* goes at the end of a word"),
    ],
)
def test_bad_topics_get_a_clear_reply(topic: str, message: str) -> None:
    with pytest.raises(TopicError) as error:
        parse_query(topic)
    assert message in str(error.value)


def test_topic_errors_are_value_errors() -> None:
    assert issubclass(TopicError, ValueError)


@pytest.mark.parametrize(
    ("topic", "understood"),
    [
        ("Armenia ceasefire", "armenia ceasefire (+ word forms)"),
        ("Nagorno–Karabakh", '"nagorno karabakh"'),
        ("COVID19", '"covid 19"'),
        ("(ceasefire OR truce) Karabakh", "(ceasefire OR truce) karabakh (+ word forms)"),
        ("Baku | Yerevan", "baku OR yerevan (+ word forms)"),
        ("Armenia -football -“national team”", 'armenia -football -"national team" (+ word forms)'),
        ("Armenia -(football OR chess)", "armenia -(football OR chess) (+ word forms)"),
        ("Armen*", "armen*"),
        ("Dağlıq Qarabağ", "dağlıq qarabağ (+ word forms)"),
        ("a b OR c", "(a b) OR c"),
        ("UN", "UN — as an acronym"),
        ("NATO talks", "NATO — as an acronym talks (+ word forms)"),
        ('"banjir"', '"banjir"'),
        ("longsor", "longsor (+ word forms)"),
    ],
)
def test_reply_shows_the_topic_as_understood(topic: str, understood: str) -> None:
    query = parse_query(topic)
    assert query.understood == understood
    assert query.source == topic


def test_understood_names_aliases_and_stays_short() -> None:
    for typed in ("Nagorno-Karabakh", "Nagorno Karabakh", '"nagorno karabakh"'):
        query = parse_query(typed, ALIASES)
        assert query.understood.startswith('"nagorno karabakh" (+ aliases: Nagorno-Karabagh, ')
        assert query.understood.endswith(", …)")
    assert parse_query("Dağlıq Qarabağ", ALIASES).understood.startswith(
        '"dağlıq qarabağ" (+ aliases: Nagorno-Karabakh, '
    )
    assert parse_query("Karabakh Nagorno", ALIASES).understood.endswith(" nagorno (+ word forms)")
    many = parse_query("Karabakh Artsakh Covid Kyiv NATO Armenia Azerbaijan Stepanakert", ALIASES)
    assert len(many.understood) < 300
