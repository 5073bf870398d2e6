"""Benchmark the whole bot under a sustained load: 100,000 feeds polled every 15 minutes.

Run: .venv/bin/python benchmarks/sustained.py [--feeds 100000] [--seconds 300]
     [--subscribers 5000] [--commanders 5]

The real Application (alertbot.app: JobQueue poll tick, Poller, parse processes, store,
matching, outbox, sender) runs in this process against `FakeBotApi` (Telegram's limits).
The outside world runs in other processes so that its CPU is not the bot's:

* feeds: a tornado server on 50 loopback addresses (127.0.0.1-50, so the per-host limit
  applies). Feed n behaves by n % 10: 0-5 answer 304 to the ETag stored for them; 6-8
  answer 200 with the same body as before and no validators (the pipeline's body hash
  skips the parse); 9 answer 200 with 1-3 new items at each poll (20 items a body; the
  older ones were stored at set-up). One new item in 50 names a topic people follow.
* Telegram: `FakeBotApi`, and "users" in a few chats sending /topics, /latest or /search
  every 2 s, one at a time, timing each until the bot's reply reaches the fake.
* an outbox watcher: reads the alerts table every 0.1 s (its own read-only connection).

The feeds are inserted with sqlite-utils' insert_all on the store's database (the store
adds feeds one by one only) and their first `next_poll` is spread evenly over the 15-minute
interval from the start of the run: about 111 polls/s are offered.

Printed, over the run:
* polls/s achieved (requests the feed server received) against offered;
* polls on time: a feed's poll is on time if the feed server receives its request within
  60 s of the feed's `next_poll`. Feeds due in the run's last 60 s are not judged; a judged
  feed never polled is late;
* CPU of the bot's process (time.process_time over wall), and of the parse processes;
* fetch -> alert queued, for new items that matched: from the feed server receiving the
  request to the watcher first seeing the story's alert row (committed) in the outbox. The
  watcher samples every 0.1 s, so figures are up to 0.1 s high. (The row's own created_at
  is the pipeline's time right after the fetch, so it cannot tell.) For information,
  fetch -> delivered: to the fake Telegram accepting the message with the story's link;
* command replies: from the user's message being queued at the fake to the reply arriving.

Targets: >= 99% of polls on time, command replies p99 < 1 s. Caveats: the stories table
starts with only the set-up's old items (a real bot of this size holds millions; their
search words are indexed at set-up, as a running bot's searches would have done), and the
machine is shared by every process here (the load average is printed). `--log FILE` keeps
the bot's log; `--profile` prints where the event loop's time went (cProfile slows it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gzip
import hashlib
import multiprocessing
import os
import pstats
import random
import re
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alertbot.app import build_application, running  # noqa: E402
from alertbot.cli import tune_gc  # noqa: E402
from alertbot.config import Settings, load_settings  # noqa: E402
from alertbot.devtools.fake_bot_api import FakeBotApi, SentMessage, links_of  # noqa: E402
from alertbot.feeds.parse import parse_feed  # noqa: E402
from alertbot.logs import configure_logging, secrets_of_token  # noqa: E402
from alertbot.models import FeedState  # noqa: E402
from alertbot.refresh.intake import RecentHeadlines, add_stories  # noqa: E402
from alertbot.store import Store  # noqa: E402
from alertbot.store.search import StorySearch  # noqa: E402
from alertbot.telegram.services import bot_data  # noqa: E402

INTERVAL = 900  # seconds: every feed is polled every 15 minutes
HOSTS = 50
ITEMS = 20  # items in every body
ON_TIME = 60.0  # seconds after next_poll
MENTION = 0.02  # share of new items naming a followed topic
COMMAND_EVERY = 2.0
COMMANDS = ("/topics", "/latest", "/search Mirzab")
SUBSCRIBER_BASE = 100_000  # chat ids of subscribers; commanders are 500...
COMMANDER_BASE = 500
SYLLABLES = ["ka", "ri", "mo", "ta", "se", "lu", "na", "vi", "do", "ze", "ba", "gu", "ye", "sha"]
WORDS = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "n", "r", "s")]
NAMES = [f"{a}{b}" for a in ("Mirza", "Ara", "Shu", "Lachi", "Gori", "Terte", "Vand", "Kel")
         for b in "abcdefghijklmnopqrstuvwxy"]  # fmt: skip
BASE_DATE = datetime(2026, 11, 1, tzinfo=UTC)
LINK = re.compile(r"/f(\d+)/v(\d+)/i\d+$")


# ---- the feeds: the same bytes in the server and at set-up ----------------------------------


def kind(n: int) -> str:
    return "304" if n % 10 < 6 else "same" if n % 10 < 9 else "new"


def feed_url(port: int, n: int) -> str:
    return f"http://127.0.0.{1 + n % HOSTS}:{port}/f/{n}.xml"


def etag_304(n: int) -> str:
    return f'"{n}-1"'


def item_xml(n: int, version: int, j: int) -> str:
    """One item, the same for the same (feed, version, index): version 0 is the set-up's."""
    rng = random.Random(f"{n}/{version}/{j}")
    title = " ".join(rng.choices(WORDS, k=8)).capitalize()
    if version and rng.random() < MENTION:
        title += f" {rng.choice(NAMES)} said"
    summary = "".join(f"<p>{' '.join(rng.choices(WORDS, k=30))}.</p>" for _ in range(2))
    link = f"https://host{n % HOSTS}.example/f{n}/v{version}/i{j}"
    date = format_datetime(BASE_DATE + timedelta(days=version, minutes=j), usegmt=True)
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate><description>{escape(summary)}</description></item>"
    )


def rss(n: int, items: list[str]) -> bytes:
    channel = f"<title>Feed {n}</title><link>https://host{n % HOSTS}.example/</link>"
    document = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{channel}'
    return (document + "".join(items) + "</channel></rss>").encode()


def new_items(n: int, version: int) -> int:
    return 1 + random.Random(f"count {n}/{version}").randrange(3)


def body(n: int, polls: int) -> bytes:
    """Feed n's body at its `polls`-th poll (0: what it had before the run)."""
    if kind(n) != "new":
        return rss(n, [item_xml(n, 0, j) for j in range(ITEMS)])
    items: list[str] = []
    for version in range(polls, 0, -1):  # newest first
        items += [item_xml(n, version, j) for j in range(new_items(n, version))]
        if len(items) >= ITEMS:
            break
    items += [item_xml(n, 0, j) for j in range(ITEMS)]
    return rss(n, items[:ITEMS])


def serve_feeds(conn: Connection) -> None:
    """The feed server process: answers by feed kind, records (feed, poll, arrival, status)."""
    import tornado.httpserver
    import tornado.netutil
    import tornado.web

    polls: Counter[int] = Counter()
    arrivals: list[tuple[int, int, float, int]] = []

    class Handler(tornado.web.RequestHandler):
        def compute_etag(self) -> None:
            return None

        def get(self, number: str) -> None:
            arrived, n = time.time(), int(number)
            polls[n] += 1
            k = polls[n]
            if kind(n) == "304":
                self.set_header("ETag", etag_304(n))
                if self.request.headers.get("If-None-Match") == etag_304(n):
                    self.set_status(304)
                    arrivals.append((n, k, arrived, 304))
                    return
            elif kind(n) == "new":
                self.set_header("ETag", f'"{n}-v{k}"')
            content = body(n, k)
            self.set_header("Content-Type", "application/rss+xml; charset=utf-8")
            if "gzip" in self.request.headers.get("Accept-Encoding", ""):
                self.set_header("Content-Encoding", "gzip")
                content = gzip.compress(content, compresslevel=6)
            self.write(content)
            arrivals.append((n, k, arrived, 200))

    def answer() -> None:  # in a thread: the arrivals, when asked
        conn.recv()
        conn.send(list(arrivals))

    async def main() -> None:
        app = tornado.web.Application([(r"/f/(\d+)\.xml", Handler)], log_function=lambda h: None)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", backlog=1024)
        port = sockets[0].getsockname()[1]
        for host in range(2, HOSTS + 1):
            sockets += tornado.netutil.bind_sockets(port, f"127.0.0.{host}", backlog=1024)
        tornado.httpserver.HTTPServer(app).add_sockets(sockets)
        threading.Thread(target=answer, daemon=True).start()
        conn.send(port)
        await asyncio.Event().wait()

    asyncio.run(main())


# ---- Telegram's side and the outbox watcher (their own processes) --------------------------


@dataclass
class TelegramSide:
    replies: list[float]  # seconds, one per command answered
    unanswered: int
    delivered: list[tuple[str, float]]  # (link, wall time) of links in alerts
    alert_messages: int
    count_429: int


def telegram_side(conn: Connection, commanders: int) -> None:
    """FakeBotApi and the commanding users; told when to start and for how long."""
    lock = threading.Lock()
    seen: dict[int, list[float]] = {}
    delivered: list[tuple[str, float]] = []

    def on_sent(message: SentMessage) -> None:
        now, wall = time.monotonic(), time.time()
        with lock:
            seen.setdefault(message.chat_id, []).append(now)
            if message.chat_id >= SUBSCRIBER_BASE:
                delivered.extend((link, wall) for link in links_of(message))

    async def command(api: FakeBotApi, chat: int, start: float, end: float) -> list[float]:
        """One user: a command every COMMAND_EVERY s (or once answered); inf if unanswered."""
        waits: list[float] = []
        at = start + COMMAND_EVERY * (chat - COMMANDER_BASE) / commanders
        while at < end:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            with lock:
                before = len(seen.get(chat, []))
            sent = time.monotonic()
            api.send_text(chat, COMMANDS[len(waits) % len(COMMANDS)])
            waits.append(float("inf"))
            while time.monotonic() < sent + 30:
                with lock:
                    times = seen.get(chat, [])[before:]
                if times:
                    waits[-1] = times[0] - sent
                    break
                await asyncio.sleep(0.005)
            at = max(at + COMMAND_EVERY, time.monotonic())
        return waits

    async def users(api: FakeBotApi, start_wall: float, seconds: float) -> list[float]:
        start = time.monotonic() + (start_wall - time.time())
        chats = range(COMMANDER_BASE, COMMANDER_BASE + commanders)
        waits = await asyncio.gather(*(command(api, c, start, start + seconds) for c in chats))
        return [w for chat in waits for w in chat]

    with FakeBotApi(on_sent=on_sent) as api:
        conn.send((api.token, api.base_url))
        start_wall, seconds = conn.recv()
        waits = asyncio.run(users(api, start_wall, seconds))
        replies = [w for w in waits if w != float("inf")]
        with lock:
            alerts = sum(len(v) for c, v in seen.items() if c >= SUBSCRIBER_BASE)
            result = TelegramSide(replies, len(waits) - len(replies), list(delivered), alerts, 0)
        result.count_429 = api.count_429
        conn.send(result)
        conn.recv()  # the bot has stopped: the fake may go


def watch_outbox(db: str, conn: Connection) -> None:
    """Every 0.1 s, the alerts committed since the last look: {story link: first seen}."""
    first_seen: dict[str, float] = {}
    last_id = 0
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    while not conn.poll(0.1):
        now = time.time()
        rows = reader.execute(
            "select alerts.id, stories.link from alerts join stories on stories.id = "
            "alerts.story_id where alerts.id > ? order by alerts.id",
            [last_id],
        ).fetchall()
        for alert_id, link in rows:
            first_seen.setdefault(link, now)
            last_id = alert_id
    conn.send(first_seen)


# ---- set-up ---------------------------------------------------------------------------------


def prepare_store(path: Path, port: int, feeds: int, subscribers: int, seconds: float) -> None:
    """The feeds (polled before: validators, body hashes), the old items of the feeds with
    news due in the run, subscribers (a name each, 25 chats a name) and the commanders."""
    store = Store.open(path)
    before, step = time.time() - INTERVAL, INTERVAL / feeds
    rows = []
    for n in range(feeds):
        k = kind(n)
        digest = hashlib.blake2b(body(n, 0), digest_size=16).hexdigest() if k == "same" else None
        rows.append(
            {
                "id": n + 1,
                "url": feed_url(port, n),
                "title": f"Feed {n}",
                "interval": INTERVAL,
                "state": FeedState.OK.value,
                "next_poll": time.time() + 10 * INTERVAL,  # spread when the bot runs
                "etag": etag_304(n) if k == "304" else None,
                "last_success": before,
                "errors_in_row": 0,
                "added_at": before,
                "body_hash": digest,
            }
        )
    with store.db.atomic():
        store.db.table("feeds").insert_all(rows, batch_size=2000)
    headlines = RecentHeadlines()  # one for all: each new one would read every headline
    for n in range(9, min(feeds, int((seconds + 2 * ON_TIME) / step) + 1), 10):
        parsed = parse_feed(body(n, 0), base_url=feed_url(port, n), content_type=None)
        add_stories(store, n + 1, parsed.entries, now=before, headlines=headlines)
    StorySearch(path).catch_up()  # as the searches made meanwhile would have: index their words
    with store.db.atomic():
        for c in range(subscribers):
            chat = SUBSCRIBER_BASE + c
            store.touch_chat(chat, "private")
            name = NAMES[c % len(NAMES)]
            store.subscribe(chat, name, name.lower(), now=before)
        for chat in range(COMMANDER_BASE, COMMANDER_BASE + 100):
            store.touch_chat(chat, "private")
            for topic in ("Zanzibar", "Timbuktu", "Ulaanbaatar"):  # never in a headline
                store.subscribe(chat, topic, topic.lower(), now=before)
    store.close()


def cpu_of(pids: set[int]) -> float:
    """CPU seconds used so far by these processes (Linux /proc); ended ones count 0."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def descendants(exclude: set[int]) -> set[int]:
    """This process's descendants (the parse workers, their forkserver) but `exclude`'s."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - exclude
        found |= frontier
    return found


# ---- the run --------------------------------------------------------------------------------


@dataclass
class Window:
    start: float
    end: float
    cpu: float  # seconds, the bot's process
    parse_cpu: float  # seconds, the parse processes
    telegram: TelegramSide
    stories: int
    alerts: int
    pending: int
    failing: int
    peak_mb: float = 0.0


async def drive(
    settings: Settings,
    feeds: int,
    seconds: float,
    tg: Connection,
    helpers: set[int],
    profiler: cProfile.Profile | None,
) -> Window:
    """Run the bot; spread the feeds' next polls from `start`; measure until `start + seconds`
    (the event loop's thread under `profiler` meanwhile, if given)."""
    app = build_application(settings)
    async with running(app):
        services = bot_data(app).services
        assert services is not None
        store = services.store
        start = time.time() + 5.0
        with store.db.atomic():
            store.db.execute(
                "update feeds set next_poll = ? + (id - 1) * ?", [start, INTERVAL / feeds]
            )
        tg.send((start, seconds))
        await asyncio.sleep(start - time.time())
        cpu, wall = time.process_time(), time.time()
        workers = descendants(helpers)
        parse_cpu = cpu_of(workers)
        if profiler is not None:
            profiler.enable()
        await asyncio.sleep(seconds)
        if profiler is not None:
            profiler.disable()
        cpu, end = time.process_time() - cpu, time.time()
        parse_cpu = cpu_of(workers | descendants(helpers)) - parse_cpu
        telegram = await asyncio.to_thread(tg.recv)  # once the users' last replies are in
        failing = store.db.execute("select count(*) from feeds where errors_in_row > 0")
        return Window(
            start=wall,
            end=end,
            cpu=cpu,
            parse_cpu=parse_cpu,
            telegram=telegram,
            stories=store.count_stories(),
            alerts=sum(store.alert_counts().values()),
            pending=store.stats()["alerts_pending"],
            failing=int(failing.fetchone()[0]),
            peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KB on Linux
        )


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {at(0.5):.2f} s, p99 {at(0.99):.2f} s, max {ordered[-1]:.2f} s"


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.99 * len(values)))] if values else 0.0


def report(
    args: argparse.Namespace,
    window: Window,
    arrivals: list[tuple[int, int, float, int]],
    queued_at: dict[str, float],
    log: Path,
) -> bool:
    step, seconds = INTERVAL / args.feeds, window.end - window.start
    served = {(n, k): t for n, k, t, _ in arrivals}
    first = {n: t for n, k, t, _ in arrivals if k == 1}
    polls = [(n, status) for n, _, t, status in arrivals if window.start <= t <= window.end]
    outcomes = Counter(f"{kind(n)} {status}" for n, status in polls)
    judged = [n for n in range(args.feeds) if n * step <= seconds - ON_TIME]
    late = [first[n] - (window.start + n * step) for n in first]
    on_time = sum(
        1 for n in judged if n in first and first[n] - (window.start + n * step) <= ON_TIME
    )
    share = on_time / len(judged) if judged else 0.0

    def since_fetch(link: str, at: float) -> float | None:
        match = LINK.search(link)
        fetched = served.get((int(match[1]), int(match[2]))) if match else None
        return at - fetched if fetched is not None else None

    queued = [d for link, at in queued_at.items() if (d := since_fetch(link, at)) is not None]
    delivered_at: dict[str, float] = {}
    for link, at in window.telegram.delivered:
        delivered_at.setdefault(link, at)
    delivered = [d for link, at in delivered_at.items() if (d := since_fetch(link, at)) is not None]
    replies = window.telegram.replies
    lines = log.read_text(errors="replace").splitlines()
    warnings = [line for line in lines if " WARNING " in line or " ERROR " in line]

    mix = ", ".join(f"{n:,} {k}" for k, n in sorted(outcomes.items()))
    print(f"polls/s     {len(polls) / seconds:7.1f} achieved, {args.feeds / INTERVAL:.1f} offered "
          f"({len(polls):,} polls: {mix})")  # fmt: skip
    print(f"on time     {100 * share:7.2f}% of {len(judged):,} judged polls (target >= 99%); "
          f"after next_poll: {percentiles(late)}")  # fmt: skip
    print(f"CPU         {100 * window.cpu / seconds:7.1f}% of a core in the bot's process, "
          f"{100 * window.parse_cpu / seconds:.1f}% in parse processes; "
          f"peak memory (RSS) {window.peak_mb:.0f} MB")  # fmt: skip
    print(f"fetch -> alert queued: {len(queued):,} stories alerted, {percentiles(queued)}")
    print(f"fetch -> delivered:    {len(delivered):,} stories, {percentiles(delivered)}")
    print(f"command replies: {len(replies):,}, {percentiles(replies)} (target p99 < 1 s); "
          f"{window.telegram.unanswered} unanswered within 30 s")  # fmt: skip
    print(f"stored {window.stories:,} stories; {window.alerts:,} alerts queued, "
          f"{window.telegram.alert_messages:,} alert messages sent, {window.pending:,} pending at "
          f"the end, {window.telegram.count_429} answered 429")  # fmt: skip
    print(f"feeds failing at the end: {window.failing:,}; log: {len(warnings)} warnings/errors")
    kinds = Counter(re.sub(r"\S*\d\S*", "#", line.split(" ", 2)[-1])[:150] for line in warnings)
    for line, count in kinds.most_common(5):
        print(f"  {count:>6} x {line}")
    met = share >= 0.99 and bool(replies) and p99(replies) < 1.0
    met = met and window.telegram.unanswered == 0
    print("targets met" if met else "TARGETS MISSED")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--commanders", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the event loop (slows it) and print"
    )
    parser.add_argument("--log", type=Path, help="keep the bot's log (INFO) in this file")
    args = parser.parse_args()
    tune_gc()  # this process runs the bot: its collector runs as the bot's does
    ctx = multiprocessing.get_context("spawn")
    feeds_conn, feeds_end = ctx.Pipe()
    tg_conn, tg_end = ctx.Pipe()
    watch_conn, watch_end = ctx.Pipe()
    server = ctx.Process(target=serve_feeds, args=(feeds_end,), daemon=True)
    telegram = ctx.Process(target=telegram_side, args=(tg_end, args.commanders), daemon=True)
    server.start()
    telegram.start()
    with tempfile.TemporaryDirectory() as tmp:
        db, log = Path(tmp) / "bench.db", args.log or Path(tmp) / "bot.log"
        port = feeds_conn.recv()
        token, base_url = tg_conn.recv()
        began = time.perf_counter()
        prepare_store(db, port, args.feeds, args.subscribers, args.seconds)
        print(f"{args.feeds:,} feeds every {INTERVAL // 60} min for {args.seconds:.0f} s, "
              f"{args.subscribers:,} subscribers, {args.commanders} chats sending commands; "
              f"set-up {time.perf_counter() - began:.1f} s; load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")  # fmt: skip
        watcher = ctx.Process(target=watch_outbox, args=(str(db), watch_end), daemon=True)
        watcher.start()
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_API_BASE_URL": base_url,
                "ALERTBOT_DB": str(db),
                "ALERTBOT_STARTER_FEEDS": "",
                "ALERTBOT_ALLOW_PRIVATE_URLS": "1",
            }
        )
        with log.open("w") as stream:
            configure_logging(settings.log_level, secrets=secrets_of_token(token), stream=stream)
            helpers = {p.pid or 0 for p in (server, telegram, watcher)}
            profiler = cProfile.Profile() if args.profile else None
            window = asyncio.run(
                drive(settings, args.feeds, args.seconds, tg_conn, helpers, profiler)
            )
        tg_conn.send("stop")
        watch_conn.send("stop")
        queued_at = watch_conn.recv()
        feeds_conn.send("arrivals")
        arrivals = feeds_conn.recv()
        met = report(args, window, arrivals, queued_at, log)
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    for process in (server, telegram, watcher):
        process.kill()
        process.join()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
