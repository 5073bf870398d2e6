"""The catalogues cannot drift: every text in the code is translated into Indonesian, and
every placeholder, tag and command survives translation."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from alertbot.i18n import load_catalogue

REPO = Path(__file__).resolve().parent.parent
# Texts whose Indonesian is rightly the same as the English (names, codes). Keep it short.
SAME_IN_BOTH: set[str] = set()
_BRACES = re.compile(r"\{[^{}]*\}")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
# Telegram's HTML tags ("<topic>" in a usage line is a word, escaped when shown).
_TAGS = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|blockquote)\b[^>]*>")
_COMMANDS = re.compile(r"(?<![\w/])/[a-z_]+")


def source_messages() -> set[str | tuple[str, ...]]:
    """What `pybabel extract -F babel.cfg` finds in the code today."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    return {message for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options_map)}


@pytest.fixture(scope="module")
def indonesian() -> Catalog:
    return load_catalogue("id")


def entries(catalogue: Catalog) -> list[Message]:
    return [m for m in catalogue if m.id]


def test_every_text_in_the_code_is_translated_into_indonesian(indonesian: Catalog) -> None:
    translated = {m.id: m for m in entries(indonesian)}
    missing = sorted(map(str, source_messages() - set(translated)))
    assert not missing, f"not in the Indonesian catalogue (run pybabel extract/update): {missing}"
    untranslated = [
        m.id
        for m in translated.values()
        if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert not untranslated, f"empty or fuzzy in the Indonesian catalogue: {untranslated}"
    left_in_english = [
        m.id
        for m in translated.values()
        if m.id not in SAME_IN_BOTH
        and (m.string == m.id or (isinstance(m.id, tuple) and m.string[0] in m.id))
    ]
    assert not left_in_english, f"left in English in the Indonesian catalogue: {left_in_english}"


@pytest.mark.parametrize("language", ["en", "id"])
def test_catalogues_hold_nothing_the_code_no_longer_says(language: str) -> None:
    unused = {m.id for m in entries(load_catalogue(language))} - source_messages()
    assert not unused, f"{language} catalogue has texts no code uses: {sorted(map(str, unused))}"


def _shape(text: str) -> tuple[Counter[str], ...]:
    return (
        Counter(_BRACES.findall(text)),
        Counter(_PERCENT.findall(text)),
        Counter(_TAGS.findall(text)),
        Counter(_COMMANDS.findall(text)),
    )


def test_placeholders_tags_and_commands_survive_translation(indonesian: Catalog) -> None:
    broken = []
    for message in entries(indonesian):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        # A language with one plural form uses the plural's placeholders ("{n} topics").
        for form in forms:
            if form and _shape(form) != _shape(ids[-1]):
                broken.append((ids[-1], form))
    assert not broken, f"placeholders, tags or commands changed in translation: {broken}"


def test_plural_forms_are_each_languages_own(indonesian: Catalog) -> None:
    assert indonesian.num_plurals == 1
    assert load_catalogue("en").num_plurals == 2
    assert not [error for _, errors in indonesian.check() for error in errors]


def test_the_shape_check_catches_a_lost_placeholder() -> None:
    assert _shape("Usage: {usage} — {summary}") != _shape("Cara pakai: {usage}")
    assert _shape("%(n)d stories in <b>x</b>") != _shape("%(n)s berita di x")
    assert _shape("see /topics") != _shape("lihat /topik")
