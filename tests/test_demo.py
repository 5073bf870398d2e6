"""The offline demo, driven as a person would pipe commands into it: no token, no network.

`python bot.py --demo` answers each piped command, then publishes the seed stories and
prints the alert for the Nagorno–Karabakh one (with its link), and nothing for "Georgia",
which only a "Baca juga" line of the other seed names.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alertbot.demo.newsroom import story_link
from alertbot.devtools.seed_feed import load_seed_stories

from .helpers import clean_env

REPO = Path(__file__).resolve().parent.parent
MINGACHEVIR = next(s for s in load_seed_stories() if "Mingachevir" in s.title)


def run_demo(commands: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bot.py", "--demo"],
        cwd=REPO,
        input=commands,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=timeout,
    )


@pytest.mark.slow
def test_piped_demo_answers_then_alerts_the_karabakh_story_and_exits_0() -> None:
    result = run_demo("/subscribe Nagorno-Karabakh\n\n/subscribe Georgia\n/topics\n/latest\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "you> /subscribe Nagorno-Karabakh" in out
    assert "bot> ✅ Following Nagorno-Karabakh" in out
    assert "1. Nagorno-Karabakh" in out and "2. Georgia" in out  # /topics
    assert "Demo News is on the air" in out  # /latest shows the feed's first (backlog) story

    # The alert comes after the replies, names the story and shows its link.
    alert = out[out.index("bot> 🔔") :]
    assert out.index("bot> 🔔") > out.index("2. Georgia")
    assert alert.startswith("bot> 🔔 Nagorno-Karabakh")
    assert MINGACHEVIR.title in alert
    assert f"→ {story_link(MINGACHEVIR)}" in alert
    assert out.count("bot> 🔔") == 1  # nothing for Georgia
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_with_no_commands_still_publishes_and_exits_0() -> None:
    result = run_demo("")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("feed> Demo News published:") == len(load_seed_stories())
    assert "bot> 🔔" not in result.stdout  # nobody subscribed


def test_make_run_without_a_token_starts_the_demo() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--demo" in run and "TELEGRAM_BOT_TOKEN" in run
