"""Settings: defaults, environment over config/, and one clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.config import DEFAULT_API_BASE_URL, SettingsError, load_settings


def test_defaults_of_the_contract(tmp_path: Path) -> None:
    s = load_settings({}, config_dir=tmp_path)
    assert s.token is None
    assert s.api_base_url == DEFAULT_API_BASE_URL == "https://api.telegram.org/bot"
    assert s.admin_ids == frozenset()
    assert s.db_path.parts[-2:] == ("data", "alertbot.db")
    assert s.poll_interval == 300
    assert s.allow_private_urls is False


def test_environment_wins_over_config_file(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'ALERTBOT_POLL_INTERVAL = 600\nALERTBOT_ADMIN_IDS = "5"\n'
    )
    s = load_settings({"ALERTBOT_POLL_INTERVAL": "1"}, config_dir=tmp_path)
    assert s.poll_interval == 1
    assert s.admin_ids == {5}


def test_every_contract_setting_is_read(tmp_path: Path) -> None:
    s = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "ALERTBOT_ADMIN_IDS": "1, 2,3",
            "ALERTBOT_DB": str(tmp_path / "x.db"),
            "ALERTBOT_POLL_INTERVAL": "30",
            "ALERTBOT_ALLOW_PRIVATE_URLS": "1",
        },
        config_dir=tmp_path,
    )
    assert s.token == "123:abc"
    assert s.api_base_url == "http://127.0.0.1:8081/bot"
    assert s.admin_ids == {1, 2, 3}
    assert s.db_path == tmp_path / "x.db"
    assert s.poll_interval == 30
    assert s.allow_private_urls is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALERTBOT_POLL_INTERVAL", "0"),
        ("ALERTBOT_POLL_INTERVAL", "five"),
        ("ALERTBOT_ADMIN_IDS", "alice"),
        ("ALERTBOT_ALLOW_PRIVATE_URLS", "maybe"),
        ("TELEGRAM_API_BASE_URL", "ftp://x/bot"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, config_dir=tmp_path)


def test_missing_token_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="BotFather"):
        load_settings({}, config_dir=tmp_path).require_token()
