"""Benchmark fairness: how long other chats wait for a reply while one chat floods commands.

Run: .venv/bin/python benchmarks/command_flood.py [--flood N] [--others K]

The real Application (alertbot.app) runs against `alertbot.devtools.FakeBotApi` with
Telegram's limits. One chat sends N commands at once; then, over the next seconds, K other
chats each send /start, one every 0.1 s. Printed: the others' reply times (median and
slowest), how many replies the flooding chat got, and how many "slow down" notes.
Targets: every other chat answered within 3 s; exactly one "slow down".
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from alertbot.app import build_application, running
from alertbot.config import load_settings
from alertbot.devtools.fake_bot_api import FakeBotApi, text_of

FLOODER = 1


async def measure(flood: int, others: int) -> bool:
    with FakeBotApi() as api, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_BASE_URL": api.base_url,
                "ALERTBOT_DB": str(Path(tmp) / "bench.db"),
                "ALERTBOT_STARTER_FEEDS": "",
            }
        )
        async with running(build_application(settings)):
            for _ in range(flood):
                api.send_text(FLOODER, "/help")
            waits: list[float] = []

            async def one(chat: int) -> None:
                sent = time.monotonic()
                api.send_text(chat, "/start")
                await api.wait_for_messages(chat, 1, timeout=60)
                waits.append(time.monotonic() - sent)

            tasks = []
            for chat in range(100, 100 + others):
                tasks.append(asyncio.create_task(one(chat)))
                await asyncio.sleep(0.1)
            await asyncio.gather(*tasks)
            await asyncio.sleep(2)  # let the flooder's last replies arrive
            flooder = [text_of(m) for m in api.messages(FLOODER)]
    slow_downs = sum("Slow down" in t for t in flooder)
    print(f"{flood} commands from one chat, {others} other chats sending /start meanwhile")
    print(
        f"  other chats answered in: median {statistics.median(waits):.2f} s, "
        f"slowest {max(waits):.2f} s (target < 3 s)"
    )
    print(f"  flooding chat: {len(flooder)} replies, {slow_downs} 'slow down' (target 1)")
    met = max(waits) < 3 and slow_downs == 1
    print("  targets met" if met else "  TARGETS MISSED")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=500)
    parser.add_argument("--others", type=int, default=30)
    args = parser.parse_args()
    return 0 if asyncio.run(measure(args.flood, args.others)) else 1


if __name__ == "__main__":
    sys.exit(main())
