"""Benchmark the sender's fan-out against a fake Bot API that enforces Telegram's limits.

Run: .venv/bin/python benchmarks/fanout.py [--quick] [--subscribers N] [--network loopback|far]

The real sender (alertbot.delivery: outbox in SQLite, throttle, python-telegram-bot's bot
over HTTP) drains alerts into `alertbot.devtools.FakeBotApi`, which counts every message
and answers 429 whenever Telegram would (30 messages/s overall in any one second, 1/s per
private chat with bursts of 3, 20/min per group).

Scenarios, each on loopback and with Telegram "far" (every call takes 150 ms ± 50 ms):
1. one story to 10,000 subscribers (one message each);
2. 20 stories to 500 subscribers, published one a second as a busy feed would (chats
   that fall behind get digests).

Printed for each: messages/s against the 30/s limit (sustained: messages over the time from
the first to the last plus the one second the limit's window adds, so 30/s is the ceiling),
the largest number of messages in flight at once (what a crash could send twice), 429s
received (and after the first second), alerts lost and alerts delivered twice.
Targets: >= 95% of the limit on loopback, >= 90% far, no 429 after the first second,
nothing lost, nothing twice.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import ExtBot

from alertbot.delivery.limits import FloodControl, FloodLimits
from alertbot.delivery.sender import Sender
from alertbot.delivery.throttle import FloodRateLimiter, Throttle
from alertbot.devtools.fake_bot_api import FakeBotApi, SentMessage, links_of
from alertbot.devtools.fake_bot_api import FloodLimits as FakeLimits
from alertbot.models import Entry
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert, Store

LIMIT = 30


@dataclass(frozen=True)
class Result:
    name: str
    alerts: int
    messages: int
    seconds: float
    rate: float
    count_429: int
    late_429: int
    lost: int
    twice: int
    in_flight: int
    target: float


class Clock:
    """When the fake accepted each message and answered each 429 (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[float] = []

    def on_sent(self, message: SentMessage) -> None:
        with self.lock:
            self.sent.append(time.monotonic())


async def run_scenario(
    name: str,
    *,
    subscribers: int,
    stories: int,
    every: float,
    db: Path,
    latency: float = 0.0,
    jitter: float = 0.0,
    target: float = 0.95,
) -> Result:
    clock = Clock()
    api = FakeBotApi(
        limits=FakeLimits(), on_sent=clock.on_sent, latency=latency, jitter=jitter, seed=1
    )
    api.start()
    store = Store.open(db)
    throttle = Throttle(FloodControl(FloodLimits()))
    overall = throttle.flood.overall
    most = [0]
    begin = overall.begin

    def counting_begin() -> float:
        start = begin()
        most[0] = max(most[0], overall.in_flight)
        return start

    overall.begin = counting_begin  # type: ignore[method-assign]
    bot: ExtBot[str] = ExtBot(
        api.token, base_url=api.base_url, rate_limiter=FloodRateLimiter(throttle)
    )
    await bot.initialize()
    sender = Sender(bot, store, throttle=throttle)
    runner = asyncio.create_task(sender.run())
    try:
        feed = store.add_feed("https://news.example/rss", title="Bench News", interval=300)
        chats = range(1000, 1000 + subscribers)
        for chat in chats:
            store.touch_chat(chat, "private")
        links: dict[int, str] = {}
        late_start: int | None = None
        for n in range(stories):
            entry = Entry(
                guid=f"s{n}",
                link=f"https://news.example/{n}",
                title=f"Story number {n} about Nagorno-Karabakh",
            )
            (story,) = add_stories(store, feed.id, [entry])
            links[story.id] = story.link
            store.enqueue_alerts(NewAlert(c, story.id, "Karabakh", "") for c in chats)
            sender.wake()
            if n + 1 < stories:
                await asyncio.sleep(every)
        expected = subscribers * stories
        while store.stats()["alerts_pending"]:
            if late_start is None and clock.sent and time.monotonic() > clock.sent[0] + 1:
                late_start = api.count_429
            await asyncio.sleep(0.2)
        if late_start is None:
            late_start = api.count_429
        delivered: Counter[tuple[int, str]] = Counter()
        for message in api.messages():
            for link in links_of(message):
                delivered[(message.chat_id, link)] += 1
        wanted = {(c, link) for c in chats for link in links.values()}
        first, last = clock.sent[0], clock.sent[-1]
        seconds = last - first
        return Result(
            name=name,
            alerts=expected,
            messages=len(clock.sent),
            seconds=seconds,
            # A window of one second fits 30 at once: n messages need at least n/30 - 1 s.
            rate=len(clock.sent) / (seconds + 1.0),
            count_429=api.count_429,
            late_429=api.count_429 - late_start,
            lost=len(wanted - set(delivered)),
            twice=sum(1 for key, n in delivered.items() if n > 1),
            in_flight=most[0],
            target=target,
        )
    finally:
        sender.stop()
        await runner
        await bot.shutdown()
        store.close()
        api.stop()


def show(result: Result) -> None:
    print(f"\n{result.name}")
    print(f"  alerts decided     {result.alerts:>8,}")
    print(f"  messages sent      {result.messages:>8,}   in {result.seconds:.1f} s")
    share = 100 * result.rate / LIMIT
    print(f"  messages/s         {result.rate:>8.1f}   ({share:.1f}% of the {LIMIT}/s limit)")
    print(f"  most in flight     {result.in_flight:>8}")
    print(f"  429s received      {result.count_429:>8}   ({result.late_429} after the 1st second)")
    print(f"  alerts lost        {result.lost:>8}")
    print(f"  alerts sent twice  {result.twice:>8}")


NETWORKS = {"loopback": (0.0, 0.0, 0.95), "far": (0.15, 0.05, 0.90)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 subscribers, 5 stories")
    parser.add_argument("--subscribers", type=int, default=None)
    parser.add_argument("--network", choices=[*NETWORKS, "both"], default="both")
    args = parser.parse_args()
    big = args.subscribers or (1000 if args.quick else 10_000)
    stories, small = (5, 100) if args.quick else (20, 500)
    networks = list(NETWORKS) if args.network == "both" else [args.network]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for network in networks:
            latency, jitter, target = NETWORKS[network]
            where = "loopback" if not latency else f"{latency * 1000:.0f} ± {jitter * 1000:.0f} ms"
            results.append(
                await run_scenario(
                    f"one story to {big:,} subscribers ({where})",
                    subscribers=big,
                    stories=1,
                    every=0,
                    db=Path(tmp) / f"one-{network}.db",
                    latency=latency,
                    jitter=jitter,
                    target=target,
                )
            )
            results.append(
                await run_scenario(
                    f"{stories} stories to {small:,} subscribers, one a second ({where})",
                    subscribers=small,
                    stories=stories,
                    every=1.0,
                    db=Path(tmp) / f"many-{network}.db",
                    latency=latency,
                    jitter=jitter,
                    target=target,
                )
            )
    for result in results:
        show(result)
    ok = all(
        r.rate >= r.target * LIMIT and r.late_429 == 0 and r.lost == 0 and r.twice == 0
        for r in results
    )
    print("\ntargets met" if ok else "\nTARGETS MISSED")


if __name__ == "__main__":
    asyncio.run(main())
