"""The command line behind bot.py: settings errors become one line and exit status 2.

python bot.py                 run the bot (long polling, or a webhook if configured)
python bot.py --demo          the offline demo (also what `make run` does with no token)
python bot.py backup <path>   a consistent copy of the database while the bot runs
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .config import Settings, SettingsError, load_settings
from .logs import configure_logging, secrets_of_token
from .web.webhook import with_webhook_secret

__all__ = ["main"]

DEMO_HINT = " To try the bot offline first: python bot.py --demo"


# The bot holds hundreds of thousands of long-lived objects (the topic index, a day's
# headlines). With Python's default thresholds (700, 10, 10) the collector ran so often
# that it cost about a fifth of a busy refresh's CPU; with these it runs far less often
# and cycles are still collected.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """The collector as the bot's process runs it (benchmarks of its parts call this too)."""
    gc.set_threshold(*GC_THRESHOLDS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="AlertBot: news alerts on Telegram")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run offline against a local fake Telegram and a demo feed; the terminal is the chat",
    )
    sub = parser.add_subparsers(dest="command")
    backup = sub.add_parser("backup", help="copy the database consistently while the bot runs")
    backup.add_argument("path", type=Path, help="where to write the copy")
    return parser


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    args = _parser().parse_args(argv)
    tune_gc()
    try:
        settings = with_webhook_secret(load_settings(environ))
    except SettingsError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    if args.command == "backup":
        configure_logging(settings.log_level)
        return _backup(settings, args.path)
    if args.demo:
        # A demo is a conversation, not a log: warnings only, unless asked otherwise.
        configure_logging(environ.get("ALERTBOT_LOG_LEVEL", "").upper() or "WARNING")
        return _demo(settings)
    return _run(settings)


def _run(settings: Settings) -> int:
    try:
        settings.require_token()
    except SettingsError as exc:
        print(f"alertbot: {exc}{DEMO_HINT}", file=sys.stderr)
        return 2
    secrets = [*secrets_of_token(settings.token), settings.webhook_secret or ""]
    configure_logging(settings.log_level, secrets=secrets)
    from .app import run_bot

    return run_bot(settings)


def _demo(settings: Settings) -> int:
    from .demo import run_demo

    try:
        return asyncio.run(run_demo(settings))
    except KeyboardInterrupt:
        print()
        return 0


def _backup(settings: Settings, target: Path) -> int:
    """Copy through a temporary file, so `target` is either the old copy or a whole new one."""
    from .store import Store

    if not settings.db_path.exists():
        print(f"alertbot: no database at {settings.db_path} (ALERTBOT_DB)", file=sys.stderr)
        return 2
    if target.is_dir():
        print(f"alertbot: {target} is a directory; give the copy's file name", file=sys.stderr)
        return 2
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    store = Store.open(settings.db_path)
    try:
        store.backup_to(partial)
    except Exception as exc:
        print(f"alertbot: backup to {target} failed: {exc}", file=sys.stderr)
        partial.unlink(missing_ok=True)
        return 1
    finally:
        store.close()
    os.replace(partial, target)
    print(f"backed up {settings.db_path} to {target}")
    return 0
