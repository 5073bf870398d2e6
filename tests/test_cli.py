"""`python bot.py` as an operator runs it: one clear line for a missing token or a bad setting,
a clean exit on SIGTERM, and the token never in the logs, even at DEBUG.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits, text_of
from alertbot.devtools.feed_server import FeedServer

from .helpers import clean_env

REPO = Path(__file__).resolve().parent.parent
TOKEN = "987654:AAE-distinctive-SECRET-part-xyz"


def bot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bot.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=clean_env(**env),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_no_token_is_one_line_naming_botfather_and_status_2() -> None:
    result = bot()
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "--demo" in lines[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALERTBOT_POLL_INTERVAL", "often"),
        ("ALERTBOT_METRICS_PORT", "99999"),
        ("ALERTBOT_LOG_LEVEL", "LOUD"),
        ("ALERTBOT_WEBHOOK_URL", "bot.example.com"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_status_2(name: str, value: str) -> None:
    result = bot(**{"TELEGRAM_BOT_TOKEN": TOKEN, name: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    result = bot("backup", str(tmp_path / "copy.db"), ALERTBOT_DB=str(tmp_path / "none.db"))
    assert result.returncode == 2
    assert "no database" in result.stderr and "ALERTBOT_DB" in result.stderr


@pytest.mark.slow
async def test_sigterm_stops_the_bot_cleanly_and_debug_logs_never_show_the_token(
    tmp_path: Path,
) -> None:
    with (
        FakeBotApi(TOKEN, limits=FloodLimits(private_burst=20)) as api,
        FeedServer() as feeds,
    ):
        feeds.set("/gone.xml", b"", status=404)
        log_file = (tmp_path / "bot.log").open("w+", encoding="utf-8")  # a pipe could fill up
        process = subprocess.Popen(
            [sys.executable, "bot.py"],
            cwd=REPO,
            env=clean_env(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=api.base_url,
                ALERTBOT_ADMIN_IDS="1",
                ALERTBOT_DB=str(tmp_path / "bot.db"),
                ALERTBOT_STARTER_FEEDS="",
                ALERTBOT_ALLOW_PRIVATE_URLS="1",
                ALERTBOT_LOG_LEVEL="DEBUG",
            ),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            api.send_text(1, "/start")
            await api.wait_for_messages(1, 1, timeout=30)
            api.send_text(1, f"/addfeed {feeds.url('/gone.xml')}")  # an error to log
            await api.wait_for_messages(1, 2, timeout=30)
            api.fail_next(1, 502)  # and a failed send
            api.send_text(1, "/topics")
            await api.wait_for_messages(1, 3, timeout=30)
            assert "AlertBot" in text_of(api.messages(1)[0])
        finally:
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            await asyncio.to_thread(process.wait, timeout=30)
            stopped_in = time.monotonic() - started
            log_file.close()
    logs = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert process.returncode == 0, logs[-3000:]
    assert stopped_in < 10
    assert "DEBUG" in logs and "AlertBot started" in logs  # the logs were at DEBUG
    secret = TOKEN.split(":", 1)[1]
    assert TOKEN not in logs and secret not in logs


def test_the_bot_process_collects_garbage_less_often_than_python_by_default() -> None:
    import gc

    from alertbot.cli import GC_THRESHOLDS, tune_gc

    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700 * 10  # young objects collected far less often
    finally:
        gc.set_threshold(*before)
