"""Alias groups: the shipped file, inflected forms in running text, broken files, reloading."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.matching import AliasError, Aliases, Reason, TopicIndex, parse_query
from alertbot.matching.aliases import expand

SHIPPED = Path(__file__).parent.parent / "config" / "aliases.toml"
ALIASES = Aliases.load(SHIPPED)


@pytest.mark.parametrize(
    "text",
    [
        "Fighting in Nagorno-Karabakh",
        "Fighting in Nagorno–Karabakh",
        "The Nagorny Karabakh conflict",
        "Karabakh talks",
        "Karabagh talks",
        "Artsakh's parliament",
        "Нагорный Карабах",
        "Бои в Нагорном Карабахе",
        "Жители Карабаха",
        "нагорно-карабахский конфликт",
        "Արցախ",
        "Արցախում",
        "Լեռնային Ղարաբաղի",
        "Dağlıq Qarabağ",
        "Dağlıq Qarabağda döyüşlər",
        "Qarabağda",
        "Qarabağ Azərbaycandır",
        "Karabağ'da çatışma",  # Turkish: the apostrophe separates the suffix
    ],
)
@pytest.mark.parametrize("topic", ["Nagorno-Karabakh", "Artsakh", "Qarabağ", "Нагорный Карабах"])
def test_karabakh_group_matches_every_name_and_inflection(topic: str, text: str) -> None:
    assert parse_query(topic, ALIASES).matches("", text) is not None


@pytest.mark.parametrize(
    ("topic", "text", "expected"),
    [
        ("Covid-19", "SARS-CoV-2 variant spreads", True),
        ("koronavirus", "New COVID19 rules", True),
        ("Covid-19", "Вспышка коронавируса", True),
        ("Kyiv", "Explosions in Kiev", True),
        ("Kiev", "Вибухи у Києві", True),
        ("Stepanakert", "Khankendi airport", True),
        ("NATO", "Sommet de l'OTAN", True),
        ("Karabakh", "Karabakhian", False),  # still whole words
        ("Armenia ceasefire", "Ermənistan ceasefire", True),
        ("Armenia -Artsakh", "Armenia and Karabakh", False),  # exclusions expand too
        ("Armenia -Artsakh", "Armenia and Georgia", True),
    ],
)
def test_other_groups(topic: str, text: str, expected: bool) -> None:
    assert (parse_query(topic, ALIASES).matches("", text) is not None) is expected


def test_the_reason_quotes_the_name_the_story_used() -> None:
    reason = parse_query("Nagorno-Karabakh", ALIASES).matches("Stories from Artsakh", "")
    assert str(reason) == "matched “Artsakh” in the title"
    assert parse_query("Karabakh", ALIASES).matches("", "в Нагорном Карабахе") == Reason(
        "Нагорном Карабахе", "text"
    )


def test_prefix_terms_do_not_expand() -> None:
    assert parse_query("Karabakh*", ALIASES).matches("", "Artsakh") is None


def test_shipped_file_has_the_required_groups() -> None:
    labels = {group.label for group in ALIASES.groups}
    assert {"Nagorno-Karabakh", "Covid-19"} <= labels
    assert len(ALIASES) >= 5


def test_brace_endings_expand_to_every_form() -> None:
    assert expand("Qarabağ{|da|dan}") == ["Qarabağ", "Qarabağda", "Qarabağdan"]
    assert expand("Нагорн{ый|ом} Карабах{|е}") == [
        "Нагорный Карабах",
        "Нагорный Карабахе",
        "Нагорном Карабах",
        "Нагорном Карабахе",
    ]
    assert expand("Artsakh") == ["Artsakh"]


def test_groups_from_names() -> None:
    aliases = Aliases.from_names([["Burma", "Myanmar"]])
    assert parse_query("Myanmar", aliases).matches("", "Burma floods") is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[group]\nnames = 1", "not valid TOML"),
        ("[[groups]]\nnames = ['a']", "unknown key 'groups'"),
        ("group = 1", "'group' must be an array of tables"),
        ("[[group]]\nlabel = 'x'", "group 1: 'names' must be a non-empty list of strings"),
        ("[[group]]\nnames = []", "group 1: 'names' must be a non-empty list of strings"),
        ("[[group]]\nnames = ['a', 2]", "group 1 (a): every name must be a non-empty string"),
        ("[[group]]\nnames = ['Qara{ba']", "group 1 (Qara{ba): unbalanced braces"),
        ("[[group]]\nnames = ['a', '!!!']", "'!!!' has no letters or digits"),
        ("[[group]]\nnames = ['a']\nsynonyms = ['b']", "unknown key 'synonyms'"),
        ("[[group]]\nnames = ['a{b|c}{d|e}{f|g}{h|i}{j|k}{l|m}{n|o}{p|q}{r|s}']", "at most 500"),
    ],
)
def test_broken_files_are_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "aliases.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AliasError) as error:
        Aliases.load(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_missing_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(AliasError, match="cannot read"):
        Aliases.load(tmp_path / "nowhere.toml")


def test_reload_reparses_every_topic_without_losing_subscriptions() -> None:
    index = TopicIndex(Aliases.empty())
    index.add(1, "Myanmar")
    index.add(2, "Myanmar floods")
    index.add(3, "Rangoon")
    assert index.match("Burma floods", "") == set()
    index.set_aliases(Aliases.from_names([["Myanmar", "Burma"], ["Yangon", "Rangoon"]]))
    assert len(index) == 3
    assert index.match("Burma floods", "") == {1, 2}
    assert index.match("Yangon", "") == {3}
    index.set_aliases(Aliases.empty())
    assert index.match("Burma floods", "") == set()
    assert index.match("Myanmar", "") == {1}
