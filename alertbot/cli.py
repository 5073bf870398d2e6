"""The command line behind bot.py: settings errors become one line and exit status 2."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .config import Settings, SettingsError, load_settings

__all__ = ["configure_logging", "main"]


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO, and the bot token is part of every Bot API URL.
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext.ExtBot"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="AlertBot: news alerts on Telegram")
    sub = parser.add_subparsers(dest="command")
    backup = sub.add_parser("backup", help="copy the database consistently while the bot runs")
    backup.add_argument("path", type=Path, help="where to write the copy")
    return parser


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(environ)
    except SettingsError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "backup":
        return _backup(settings, args.path)
    return _run(settings)


def _run(settings: Settings) -> int:
    try:
        settings.require_token()
    except SettingsError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    from .app import run_bot

    run_bot(settings)
    return 0


def _backup(settings: Settings, target: Path) -> int:
    from .store import Store

    if not settings.db_path.exists():
        print(f"alertbot: no database at {settings.db_path} (ALERTBOT_DB)", file=sys.stderr)
        return 2
    store = Store.open(settings.db_path)
    try:
        store.backup_to(target)
    finally:
        store.close()
    print(f"backed up {settings.db_path} to {target}")
    return 0
