"""Benchmark feed polling: 1,000 feeds of 50 items through the bot's real refresh path.

Run: .venv/bin/python benchmarks/polling.py [--feeds 1000] [--items 50] [--quick]

A separate process serves the feeds on loopback (so its CPU is not counted here), spread
over 50 loopback addresses (127.0.0.1-50) as real feeds are spread over hosts: the poller's
per-host limit (2) applies as it would in production. Bodies are gzip-compressed on
request and carry an ETag. Every item is unique (title, link, guid; words drawn from a
Zipf-like vocabulary) with an HTML summary of about 600 bytes: 40 KB per feed.

In this process the real `Poller` (global limit 50, 2 per host) runs `pipeline.refresh_feed`
on every feed: shared httpx client, conditional GET, deadline and size cap, parse (the fast
path, feedparser where it refuses), store (SQLite in WAL mode on disk, full-text index),
match (200 subscriptions) and outbox. The feeds were polled before (so the cycle is matched
and alerted, not backlog).

1. cold cycle: every item is new (50,000 stories stored);
2. warm cycle: nothing changed, every feed answers 304 Not Modified;
3. same-body cycle: nothing changed, but every feed answers 200 with the same body and no
   ETag (servers that ignore conditional requests): the body's hash skips the parse;
4. baseline: a sequential loop of `httpx.get(url)` (on one `httpx.Client`) and
   `feedparser.parse(bytes)`, no storing, over a sample of the feeds, extrapolated to all.

Printed: wall time, feeds/s, CPU seconds per 1,000 feeds (the bot's process, the part of
it on the event loop's thread, the parser processes, and the feed server's, which shares the
two cores), peak memory, and the ratio to the baseline. Targets (issue 14): cold < 10 s and >= 3x the sequential loop, warm < 1.5 s.
The machine may be shared: the figures are only as quiet as it is (see the load printed).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import multiprocessing
import os
import random
import resource
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from alertbot.cli import tune_gc
from alertbot.feeds.fetch import FetchOptions, make_client
from alertbot.feeds.parse_pool import default_workers
from alertbot.matching.subscriptions import SubscriptionIndex
from alertbot.models import Feed, FeedState, FeedUpdate
from alertbot.refresh import prework
from alertbot.refresh.pipeline import RefreshResult
from alertbot.refresh.poller import Poller
from alertbot.store import Store

SEED = 20201005
HOSTS = 50
SUBSCRIPTIONS = 200
# A Zipf-like vocabulary: a few words are in many stories, most in few, as in real news.
SYLLABLES = [
    "ka",
    "ri",
    "mo",
    "ta",
    "se",
    "lu",
    "na",
    "vi",
    "do",
    "ze",
    "ba",
    "gu",
    "ye",
    "sha",
    "ar",
    "in",
    "ol",
    "um",
]
VOCABULARY = [
    a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "n", "r", "s", "t", "k")
]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
PLACES = [
    "Baku",
    "Yerevan",
    "Stepanakert",
    "Ganja",
    "Tbilisi",
    "Jakarta",
    "Surabaya",
    "Medan",
    "Aceh",
    "Makassar",
    "Ankara",
    "Tehran",
    "Moscow",
    "Kyiv",
    "Geneva",
    "Vienna",
    "Brussels",
    "Doha",
    "Dubai",
    "Istanbul",
]
# What people follow: names that only some stories mention (about one story in 50).
NAMES = [f"{a}{b}" for a in ("Mirza", "Ara", "Shu", "Lachi", "Gori", "Terte") for b in "abcdefgh"]


# ---- the feeds (built in the server process, and for the numbers in this one) -------------


def feed_document(n: int, items: int, rng: random.Random) -> bytes:
    """RSS 2.0 as most news sites publish it: per item a title, link, guid, date and an HTML
    summary of two short paragraphs (about 600 bytes), no full text."""
    host = f"https://host{n % HOSTS}.example"
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, value in (("title", f"Feed {n}"), ("link", host + "/"), ("description", "News")):
        ET.SubElement(channel, tag).text = value
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(items):
        paragraphs = [" ".join(rng.choices(VOCABULARY, WEIGHTS, k=35)) + "." for _ in range(2)]
        if rng.random() < 0.02:
            paragraphs[1] += f" {rng.choice(NAMES)} said so."
        element = ET.SubElement(channel, "item")
        fields = {
            "title": " ".join([rng.choice(PLACES), *rng.choices(VOCABULARY, WEIGHTS, k=7)]),
            "link": f"{host}/feed{n}/story{i}?utm_source=rss",
            "guid": f"{host}/feed{n}/story{i}",
            "pubDate": format_datetime(t0 + timedelta(minutes=i), usegmt=True),
            "description": "".join(f"<p>{p.capitalize()}</p>" for p in paragraphs)
            + '<p>Baca juga: <a href="/other">another story</a></p>',
        }
        for tag, value in fields.items():
            ET.SubElement(element, tag).text = value
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document


def serve(feeds: int, items: int, ready: Any) -> None:
    """The server process: tornado on 127.0.0.1..127.0.0.HOSTS, one port, until killed."""
    import tornado.httpserver
    import tornado.ioloop
    import tornado.netutil
    import tornado.web

    rng = random.Random(SEED)
    bodies = [feed_document(n, items, rng) for n in range(feeds)]
    zipped = [gzip.compress(b, compresslevel=6) for b in bodies]
    etags = [f'"{n}-{len(b)}"' for n, b in enumerate(bodies)]

    class Handler(tornado.web.RequestHandler):
        def compute_etag(self) -> None:
            return None

        def get(self, kind: str, number: str) -> None:
            n = int(number)
            if kind == "feed":  # /same/ ignores validators: always 200, the same body
                self.set_header("ETag", etags[n])
            if kind == "feed" and self.request.headers.get("If-None-Match") == etags[n]:
                self.set_status(304)
                return
            self.set_header("Content-Type", "application/rss+xml; charset=utf-8")
            if "gzip" in self.request.headers.get("Accept-Encoding", ""):
                self.set_header("Content-Encoding", "gzip")
                self.write(zipped[n])
            else:
                self.write(bodies[n])

    async def main() -> None:
        app = tornado.web.Application(
            [(r"/(feed|same)/(\d+)\.xml", Handler)], log_function=lambda h: None
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]
        for host in range(2, HOSTS + 1):
            sockets += tornado.netutil.bind_sockets(port, f"127.0.0.{host}")
        server = tornado.httpserver.HTTPServer(app, decompress_request=False)
        server.add_sockets(sockets)
        ready.put((port, sum(len(b) for b in bodies), sum(len(z) for z in zipped)))
        await asyncio.Event().wait()

    asyncio.run(main())


def feed_url(port: int, n: int) -> str:
    return f"http://127.0.0.{1 + n % HOSTS}:{port}/feed/{n}.xml"


# ---- measuring -----------------------------------------------------------------------------


@dataclass
class Cycle:
    name: str
    feeds: int
    wall: float
    cpu: float  # this process
    loop_cpu: float  # its event loop's thread: the one core everything else waits for
    worker_cpu: float  # the parser processes
    server_cpu: float  # the feed server: it shares the cores, but it is not the bot
    outcomes: Counter[str]

    def line(self) -> str:
        outcomes = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items()))
        per_1000 = 1000 / self.feeds
        return (
            f"{self.name:<5} cycle: {self.wall:6.2f} s wall, {self.feeds / self.wall:5.0f} feeds/s, "
            f"{(self.cpu + self.worker_cpu) * per_1000:5.1f} CPU s per 1,000 feeds "
            f"({self.cpu * per_1000:.1f} in the bot's process, {self.loop_cpu * per_1000:.1f} of "
            "them on its event loop, "
            f"{self.worker_cpu * per_1000:.1f} in parser processes; the feed server "
            f"{self.server_cpu * per_1000:.1f} besides); {outcomes}"
        )


def _stat(pid: int) -> tuple[int, float]:
    """A process's parent pid and CPU seconds used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants_cpu(exclude: int) -> float:
    """CPU seconds used so far by this process's descendants, but `exclude`."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        pid = int(stat.parent.name)
        try:
            parents[pid], times[pid] = _stat(pid)
        except (OSError, IndexError):
            continue  # the process ended meanwhile
    total, me = 0.0, os.getpid()
    for pid, cpu in times.items():
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, me, exclude, pid):
            ancestor = parents.get(ancestor)
        if ancestor == me and pid != exclude:
            total += cpu
    return total


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by process `pid`."""
    return _stat(pid)[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def prepare_store(path: Path, port: int, feeds: int) -> Store:
    store = Store.open(path)
    polled_before = time.time() - 600
    with store.db.atomic():
        for n in range(feeds):
            feed = store.add_feed(feed_url(port, n), title=f"Feed {n}", interval=300)
            store.update_feed(feed.id, FeedUpdate(state=FeedState.OK, last_success=polled_before))
    rng = random.Random(SEED + 1)
    for chat in range(SUBSCRIPTIONS):
        store.touch_chat(1000 + chat, "private")
        name = rng.choice(NAMES)
        topic = f"{name} {rng.choice(PLACES)}" if chat % 2 else name
        store.subscribe(1000 + chat, topic, topic.lower(), now=polled_before)
    return store


async def run_cycle(
    name: str, poller: Poller, store: Store, outcomes: Counter[str], server_pid: int
) -> Cycle:
    outcomes.clear()
    store.db.execute("update feeds set next_poll = ?", [time.time() - 1])
    workers, server = descendants_cpu(exclude=server_pid), process_cpu(server_pid)
    cpu, loop, wall = time.process_time(), time.thread_time(), time.perf_counter()
    started = poller.tick()
    await poller.wait_idle()
    return Cycle(
        name,
        started,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        time.thread_time() - loop,
        descendants_cpu(exclude=server_pid) - workers,
        process_cpu(server_pid) - server,
        Counter(outcomes),
    )


async def measure(
    port: int, feeds: int, workdir: Path, workers: int, server_pid: int
) -> tuple[Cycle, Cycle, Cycle, Store]:
    store = prepare_store(workdir / "bench.db", port, feeds)
    index = SubscriptionIndex.build(store.all_subscriptions())
    options = FetchOptions(allow_private=True)  # the defaults otherwise: 20 s, 5 MB
    outcomes: Counter[str] = Counter()

    def count(feed: Feed, result: RefreshResult) -> None:
        if result.error:
            outcomes[f"failed ({result.error})"] += 1
        else:
            outcomes["not modified" if result.not_modified else "fetched"] += 1

    parse = prework.parse_pool(workers)  # the bot's own: it parses and does the prework
    async with make_client(options) as client:
        poller = Poller(
            store=store,
            client=client,
            subscriptions=index,
            options=options,
            on_result=count,
            parse=parse,
        )
        cold = await run_cycle("cold", poller, store, outcomes, server_pid)
        warm = await run_cycle("warm", poller, store, outcomes, server_pid)
        store.db.execute("update feeds set url = replace(url, '/feed/', '/same/'), etag = null")
        same = await run_cycle("same", poller, store, outcomes, server_pid)
    parse.close()
    return cold, warm, same, store


def baseline(port: int, feeds: int, sample: int) -> tuple[float, int]:
    """Seconds for a sequential httpx.get + feedparser.parse(bytes) loop over `sample` feeds."""
    step = max(1, feeds // sample)
    chosen = list(range(0, feeds, step))[:sample]
    entries = 0
    started = time.perf_counter()
    with httpx.Client() as client:  # one client: its TLS context is not rebuilt per feed
        for n in chosen:
            body = client.get(feed_url(port, n)).content
            entries += len(feedparser.parse(io.BytesIO(body)).entries)
    return time.perf_counter() - started, len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--sample", type=int, default=100, help="feeds in the baseline loop")
    parser.add_argument("--quick", action="store_true", help="200 feeds, a 40-feed baseline")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="parser processes (0: none)"
    )
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.sample = 200, 40

    tune_gc()  # this process runs the bot's refresh path: its collector runs as the bot's does
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.feeds, args.items, ready), daemon=True)
    server.start()
    try:
        port, raw, zipped = ready.get(timeout=300)
        print(
            f"{args.feeds} feeds x {args.items} items on {HOSTS} loopback hosts: "
            f"{raw / 1e6:.1f} MB of XML ({zipped / 1e6:.1f} MB gzipped)"
        )
        rss_before = peak_rss_mb()
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            cold, warm, same, store = asyncio.run(
                measure(port, args.feeds, Path(tmp), args.workers, server.pid or 0)
            )
            stories, alerts = store.count_stories(), sum(store.alert_counts().values())
            store.close()
        peak = peak_rss_mb()
        seconds, sampled = baseline(port, args.feeds, args.sample)
    finally:
        server.kill()
        server.join()

    per_feed = seconds / sampled
    sequential = per_feed * args.feeds
    print(f"load average before the run: {load:.2f} on {os.cpu_count()} cores (a shared machine?)")
    print(cold.line())
    print(warm.line())
    print(same.line())
    print(f"stored: {stories} stories, {alerts} alerts queued for {SUBSCRIPTIONS} subscriptions")
    print(f"peak memory (RSS) of this process: {peak:.0f} MB ({rss_before:.0f} MB before polling)")
    print(
        f"sequential httpx.get + feedparser.parse: {per_feed * 1000:.1f} ms per feed over {sampled} "
        f"feeds; extrapolated to {args.feeds}: {sequential:.1f} s"
    )
    print(
        f"ratio to the sequential loop: cold {sequential / cold.wall:.1f}x, "
        f"warm {sequential / warm.wall:.1f}x, same body {sequential / same.wall:.1f}x"
    )
    scale = args.feeds / 1000
    targets = [
        ("cold < 10 s", cold.wall < 10 * scale),
        ("cold >= 3x sequential", sequential / cold.wall >= 3),
        ("warm < 1.5 s", warm.wall < 1.5 * scale),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))


if __name__ == "__main__":
    main()
