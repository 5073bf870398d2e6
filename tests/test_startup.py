"""`python bot.py` meeting the world at its worst: a refused or revoked token, Telegram out of
reach, Ctrl-C, a database it cannot use, a crash naming the token. Each is one line (or a
clean stop), the right exit status, and the token never printed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits, text_of
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import load_seed_stories, rss_document, seed_item
from alertbot.logs import REDACTED

from .test_cli import REPO, TOKEN, clean_env

pytestmark = pytest.mark.slow

SECRET = TOKEN.split(":", 1)[1]
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bot:
    """The real process, its output in a file (a pipe could fill up), its own process group
    (so SIGINT reaches its workers too, as a terminal's Ctrl-C does)."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.log_path = tmp_path / "bot.log"
        self._log = self.log_path.open("w+", encoding="utf-8")
        settings = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "ALERTBOT_ADMIN_IDS": "1",
            "ALERTBOT_DB": str(tmp_path / "bot.db"),
            "ALERTBOT_STARTER_FEEDS": "",
            "ALERTBOT_ALLOW_PRIVATE_URLS": "1",
            **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "bot.py"],
            cwd=REPO,
            env=clean_env(**settings),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    async def wait(self, timeout: float = 60) -> int:
        return await asyncio.to_thread(self.process.wait, timeout=timeout)

    async def wait_for_output(self, pattern: str, count: int = 1, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while len(re.findall(pattern, self.output)) < count:
                assert self.process.poll() is None, self.output[-3000:]
                await asyncio.sleep(0.05)

    def interrupt(self) -> None:
        """Ctrl-C in a terminal: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN, limits=FloodLimits(private_burst=20)) as fake:
        yield fake


@contextlib.contextmanager
def bot_process(tmp_path: Path, **env: str) -> Iterator[Bot]:
    bot = Bot(tmp_path, **env)
    try:
        yield bot
    finally:
        bot.close()


def assert_never_the_token(output: str) -> None:
    assert TOKEN not in output and SECRET not in output


@pytest.mark.parametrize("answer", ["401 Unauthorized", "404 Not Found"])
async def test_a_refused_token_at_start_is_one_line_and_status_2(
    api: FakeBotApi, tmp_path: Path, answer: str
) -> None:
    token = TOKEN
    if answer.startswith("401"):
        token = "987654:AAE-revoked-SECRET-part-abc"  # not the fake's: 401
    else:
        api.fail_next(1, 404, method="getMe")  # what Telegram answers a malformed token
    with bot_process(tmp_path, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=api.base_url) as bot:
        status = await bot.wait()
        output = bot.output
    lines = output.strip().splitlines()
    assert status == 2, output
    assert len(lines) == 1, output
    assert f"refused the token ({answer})" in lines[0] and "@BotFather" in lines[0]
    assert token not in output and token.split(":")[1] not in output


async def test_a_token_revoked_while_running_stops_the_bot_with_status_2(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    with bot_process(
        tmp_path, TELEGRAM_API_BASE_URL=api.base_url, ALERTBOT_METRICS_PORT=str(port)
    ) as bot:
        api.send_text(5, "/start")
        await api.wait_for_messages(5, 1, timeout=30)
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        api.revoke_token()
        status = await bot.wait(timeout=60)
        output = bot.output
    assert status == 2, output[-3000:]
    refusals = [line for line in output.splitlines() if "refused the token" in line]
    assert len(refusals) == 1 and "CRITICAL" in refusals[0], output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert_never_the_token(output)


async def test_telegram_out_of_reach_at_start_is_retried_then_the_bot_comes_up(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there yet
    with bot_process(
        tmp_path, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot", ALERTBOT_LOG_LEVEL="INFO"
    ) as bot:
        await bot.wait_for_output("cannot reach Telegram", count=2, timeout=30)
        with FakeBotApi(TOKEN, port=port, limits=FloodLimits(private_burst=20)) as api:
            api.send_text(5, "/start")
            [welcome] = await api.wait_for_messages(5, 1, timeout=90)
            assert "AlertBot" in text_of(welcome)
            os.kill(bot.process.pid, signal.SIGTERM)
            status = await bot.wait(timeout=30)
        output = bot.output
    assert status == 0, output[-3000:]
    assert "Traceback" not in output
    warnings = [line for line in output.splitlines() if "cannot reach Telegram" in line]
    assert len(warnings) >= 2 and all(" WARNING " in line for line in warnings)
    assert all(LOG_LINE.match(line) for line in output.splitlines() if line.strip()), output
    assert_never_the_token(output)


async def test_ctrl_c_stops_the_bot_and_its_parse_workers_quietly(
    api: FakeBotApi, tmp_path: Path
) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("parse workers run only with two cores or more")
    story = load_seed_stories()[0]
    with FeedServer() as feeds:
        item = seed_item(story, link="https://news.example/1", published=datetime.now(UTC))
        feeds.set("/news.xml", rss_document([item]))
        starter = tmp_path / "feeds.toml"
        starter.write_text(f'feeds = ["{feeds.url("/news.xml")}"]\n', encoding="utf-8")
        with bot_process(
            tmp_path,
            TELEGRAM_API_BASE_URL=api.base_url,
            ALERTBOT_STARTER_FEEDS=str(starter),
            ALERTBOT_POLL_INTERVAL="1",
        ) as bot:
            async with asyncio.timeout(60):  # until a worker has parsed the feed
                while not api.messages(1) or "stories: 1" not in text_of(api.messages(1)[-1]):
                    sent = len(api.messages(1))
                    api.send_text(1, "/stats")
                    await api.wait_for_messages(1, sent + 1, timeout=30)
            bot.interrupt()
            status = await bot.wait(timeout=30)
            output = bot.output
    assert status == 0, output[-3000:]
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output[-3000:]
    assert "AlertBot stopped" in output


async def test_sigterm_stops_the_bot_within_10_s_whatever_is_queued(
    api: FakeBotApi, tmp_path: Path
) -> None:
    # 30 chats x 19 commands (each chat under the flood limit): about 20 s of replies at
    # Telegram's 30 messages a second, most of them still queued when SIGTERM comes.
    with bot_process(tmp_path, TELEGRAM_API_BASE_URL=api.base_url) as bot:
        api.send_text(5, "/start")
        await api.wait_for_messages(5, 1, timeout=30)
        for chat in range(100, 130):
            for _ in range(19):
                api.send_text(chat, "/help")
        await api.wait_for(lambda: len(api.messages()) > 40, timeout=30, what="replies flowing")
        os.kill(bot.process.pid, signal.SIGTERM)
        started = time.monotonic()
        status = await bot.wait(timeout=60)
        stopped_in = time.monotonic() - started
        output = bot.output
    assert status == 0, output[-3000:]
    assert stopped_in < 10, output[-3000:]
    assert len(api.messages()) < 1 + 30 * 19  # it did stop with replies still queued
    assert "Traceback" not in output


@pytest.mark.parametrize("case", ["a directory", "not a database", "under a file"])
def test_a_database_that_cannot_be_opened_is_one_line_and_status_2(
    tmp_path: Path, case: str
) -> None:
    path = {
        "a directory": tmp_path,
        "not a database": tmp_path / "junk.db",
        "under a file": tmp_path / "file.txt" / "bot.db",
    }[case]
    (tmp_path / "junk.db").write_bytes(b"this is not SQLite" * 100)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    result = run_bot(ALERTBOT_DB=str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ALERTBOT_DB" in lines[0] and str(path) in lines[0], lines


def test_a_read_only_database_is_one_line_and_status_2(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    assert run_bot("backup", str(tmp_path / "x.db"), ALERTBOT_DB=str(path)).returncode == 2
    sqlite3.connect(path).execute("create table t (x)").connection.close()
    with read_only(path):
        result = run_bot(ALERTBOT_DB=str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ALERTBOT_DB" in lines[0] and "readonly" in lines[0], lines


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file made unwritable, also for root (who ignores permissions: then immutable)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        try:
            yield
        finally:
            path.parent.chmod(0o755)
            path.chmod(0o644)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        pytest.skip("running as root without chattr +i: cannot make a file read-only")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def run_bot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """bot.py to completion; Telegram must not be needed (the base URL goes nowhere)."""
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
        **env,
    }
    return subprocess.run(
        [sys.executable, "bot.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=clean_env(**settings),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


CRASH = """
import asyncio, logging, warnings
from alertbot.feeds.parse_pool import ParsePool
from alertbot.logs import configure_logging
TOKEN = {token!r}
configure_logging("INFO", secrets=[TOKEN, TOKEN.split(":")[1]])
warnings.warn("a warning naming " + TOKEN)
async def fails():
    raise RuntimeError("a task failing with " + TOKEN)
async def main():
    asyncio.ensure_future(fails())  # never awaited: asyncio's exception handler reports it
    await asyncio.sleep(0.1)
asyncio.run(main())
pool = ParsePool(1)
pool._pool().submit(logging.getLogger("worker").warning, "a worker naming %s", TOKEN).result()
pool.close()
raise RuntimeError("an uncaught exception naming " + TOKEN)
"""


def test_every_way_of_printing_redacts_the_token() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CRASH.format(token=TOKEN)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    for what in ("a warning naming", "a task failing with", "a worker naming", "uncaught"):
        assert what in out, out
    assert "an uncaught exception naming [REDACTED]" in out
    assert_never_the_token(out)


async def test_an_uncaught_exception_in_the_bot_is_printed_with_the_token_redacted(
    api: FakeBotApi, tmp_path: Path
) -> None:
    # An aliases "file" that is a directory whose name holds the token: reading it fails
    # in post_init with an error naming the path, which nothing catches.
    aliases = tmp_path / TOKEN / "aliases.toml"
    aliases.mkdir(parents=True)
    with bot_process(
        tmp_path, TELEGRAM_API_BASE_URL=api.base_url, ALERTBOT_ALIASES=str(aliases)
    ) as bot:
        status = await bot.wait()
        output = bot.output
    assert status == 1, output
    assert "CRITICAL alertbot: uncaught exception" in output, output
    assert "IsADirectoryError" in output and f"{REDACTED}/aliases.toml" in output, output
    assert_never_the_token(output)
