"""Languages, plurals, local times and per-chat preferences: the pure parts, table-tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from alertbot.config import SettingsError, load_settings
from alertbot.delivery.localtime import (
    ZoneError,
    format_local_date_time,
    format_local_time,
    resolve_zone,
    zone_abbreviation,
)
from alertbot.i18n import language_for_code, resolve_locale, translator
from alertbot.models import ChatPreferences
from alertbot.store import Store
from alertbot.telegram.commands import usage
from alertbot.telegram.i18n_extract import command_texts
from alertbot.telegram.welcome import load_suggested_topics

MOMENT = datetime(2026, 10, 5, 7, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("id", "id"),
        ("ms", "id"),
        ("ms-MY", "id"),
        ("ID", "id"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ru", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_telegram_language_codes(code: str | None, language: str) -> None:
    assert language_for_code(code) == language


@pytest.mark.parametrize(
    ("language", "n", "text"),
    [
        ("en", 1, "📌 Follows 1 topic: see /topics"),
        ("en", 2, "📌 Follows 2 topics: see /topics"),
        ("en", 0, "📌 Follows 0 topics: see /topics"),
        ("id", 1, "📌 Mengikuti 1 topik: lihat /topics"),
        ("id", 2, "📌 Mengikuti 2 topik: lihat /topics"),
    ],
)
def test_plurals_follow_each_language(language: str, n: int, text: str) -> None:
    t = translator(language)
    message = t.ngettext(
        "📌 Follows {n} topic: see /topics", "📌 Follows {n} topics: see /topics", n
    )
    assert message.format(n=n) == text


def test_an_unknown_language_is_english_and_unknown_texts_pass_through() -> None:
    assert translator("fr").language == "en"
    assert translator("id").gettext("not in any catalogue") == "not in any catalogue"


def test_usage_lines_in_both_languages() -> None:
    assert usage("timezone") == (
        "Usage: /timezone <zone> — the chat's time zone, e.g. /timezone Asia/Jakarta or WIB"
    )
    assert usage("subscribe", translator("id")) == (
        "Cara pakai: /subscribe <topik> — ikuti sebuah topik, mis. /subscribe Nagorno-Karabakh"
    )


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Jakarta", "14:05 WIB"),
        ("Asia/Makassar", "15:05 WITA"),
        ("Asia/Jayapura", "16:05 WIT"),
        ("UTC", "07:05 UTC"),
        ("Europe/London", "08:05 BST"),
        ("Asia/Dubai", "11:05 UTC+4"),
        ("Asia/Kathmandu", "12:50 UTC+5:45"),
        ("America/Sao_Paulo", "04:05 UTC-3"),
    ],
)
def test_format_local_time(zone: str, shown: str) -> None:
    assert format_local_time(MOMENT, zone) == shown


def test_local_time_handles_other_offsets_naive_times_and_dates() -> None:
    assert format_local_time(MOMENT.astimezone(timezone(timedelta(hours=-5))), "Asia/Jakarta") == (
        "14:05 WIB"
    )
    assert format_local_time(MOMENT.replace(tzinfo=None), "Asia/Jakarta") == "14:05 WIB"
    assert format_local_date_time(MOMENT, "Asia/Jakarta") == "05 Oct 2026 14:05 WIB"
    assert format_local_date_time(MOMENT, "Asia/Jakarta", "id") == "05 Okt 2026 14:05 WIB"
    assert format_local_date_time(datetime(2026, 12, 31, 20, 0, tzinfo=UTC), "Asia/Jayapura") == (
        "01 Jan 2027 05:00 WIT"
    )
    assert zone_abbreviation("Europe/London", datetime(2026, 1, 5, tzinfo=UTC)) == "GMT"
    assert format_local_time(MOMENT, resolve_zone("UTC+7")) == "14:05 UTC+7"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Asia/Jakarta", "Asia/Jakarta"),
        ("asia/jakarta", "Asia/Jakarta"),
        (" WIB ", "Asia/Jakarta"),
        ("wita", "Asia/Makassar"),
        ("WIT", "Asia/Jayapura"),
        ("utc", "UTC"),
        ("Jakarta", "Asia/Jakarta"),
        ("new york", "America/New_York"),
        ("Europe/London", "Europe/London"),
        ("UTC+7", "Etc/GMT-7"),  # shown as UTC+7: the tz database's sign is POSIX's
        ("gmt + 8", "Etc/GMT-8"),
        ("UTC-3", "Etc/GMT+3"),
        ("GMT+7", "Etc/GMT-7"),
        ("UTC+0", "UTC"),
    ],
)
def test_zones_people_type(typed: str, zone: str) -> None:
    assert resolve_zone(typed) == zone


@pytest.mark.parametrize(
    ("typed", "suggestions"),
    [
        ("Mars/Olympus", ()),
        ("Europe/Lundon", ("Europe/London",)),
        ("Asia/Jakartaa", ("Asia/Jakarta",)),
        ("../../etc/passwd", ()),
        ("Asia", ()),
        ("", ()),
        ("UTC+15", ()),
    ],
)
def test_zones_that_are_refused_say_what_was_meant(
    typed: str, suggestions: tuple[str, ...]
) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    assert caught.value.suggestions == suggestions


def test_the_chats_choice_wins_then_the_users_language_then_the_default() -> None:
    chosen = resolve_locale(ChatPreferences("en", "Asia/Makassar"), "id", "UTC")
    assert (chosen.language, chosen.zone, chosen.language_chosen) == ("en", "Asia/Makassar", True)
    guessed = resolve_locale(ChatPreferences(), "ms", "Asia/Jakarta")
    assert (guessed.language, guessed.zone, guessed.language_chosen) == (
        "id",
        "Asia/Jakarta",
        False,
    )
    gone = resolve_locale(ChatPreferences(None, "Nowhere/Gone"), None, "UTC")
    assert (gone.language, gone.zone) == ("en", "UTC")


def test_preferences_are_stored_per_chat(fresh_store: Store) -> None:
    assert fresh_store.chat_preferences(7) == ChatPreferences()
    fresh_store.set_chat_language(7, "id")
    fresh_store.set_chat_timezone(7, "Asia/Jayapura")
    fresh_store.set_chat_timezone(-8, "UTC")
    assert fresh_store.chat_preferences(7) == ChatPreferences("id", "Asia/Jayapura")
    assert fresh_store.chat_preferences(-8) == ChatPreferences(None, "UTC")
    fresh_store.set_chat_language(7, "en")
    assert fresh_store.chat_preferences(7).language == "en"


def test_preferences_follow_a_group_that_became_a_supergroup(fresh_store: Store) -> None:
    fresh_store.touch_chat(-5, "group", "Berita")
    fresh_store.set_chat_language(-5, "id")
    fresh_store.set_chat_timezone(-5, "Asia/Makassar")
    fresh_store.move_chat(-5, -1005)
    assert fresh_store.chat_preferences(-1005) == ChatPreferences("id", "Asia/Makassar")


def test_default_time_zone_setting(tmp_path: Path) -> None:
    assert load_settings({}, config_dir=tmp_path).timezone == "UTC"
    assert load_settings({"ALERTBOT_TIMEZONE": "Asia/Jakarta"}, config_dir=tmp_path).timezone == (
        "Asia/Jakarta"
    )
    for bad in ("Mars/Olympus", "WIB", "../etc", "Asia"):
        with pytest.raises(SettingsError, match="ALERTBOT_TIMEZONE must be an IANA time zone"):
            load_settings({"ALERTBOT_TIMEZONE": bad}, config_dir=tmp_path)


def test_suggested_topics_file(tmp_path: Path) -> None:
    shipped = load_suggested_topics(Path(__file__).parent.parent / "config/suggested_topics.toml")
    assert shipped and shipped[0].query == "Nagorno-Karabakh"
    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nquery = "Covid-19"\nlabel = "Pandemi"\n', encoding="utf-8")
    [topic] = load_suggested_topics(path)
    assert (topic.query, topic.label) == ("Covid-19", "Pandemi")
    path.write_text("[[topic]]\nlabel = 'no query'\n", encoding="utf-8")
    assert load_suggested_topics(path) == ()  # broken: offers none, the bot still starts
    assert load_suggested_topics(tmp_path / "missing.toml") == ()


def test_command_texts_are_extracted_from_the_command_list() -> None:
    source = (
        'COMMANDS = (Command("start", "", "welcome"), Command("x", "<url>", "do x", admin=True))'
    )
    assert list(command_texts(source)) == [(1, "welcome"), (1, "<url>"), (1, "do x")]
