"""Benchmark a hostile web's cost: memory for compression bombs, time for giant feeds.

Run: .venv/bin/python benchmarks/hostile.py [--items 100000]

1. bombs: 256 MB of zeros gzipped once, twice and three times, each served on loopback
   and fetched with the bot's real fetcher (5 MB cap): the process's resident memory
   before and after, and Python's peak allocation during the fetch (tracemalloc);
2. a giant feed: `--items` small items parsed with the bot's `parse_feed` (CPU seconds,
   the time a worker process spends) and the cost of bringing the result back to the
   event loop (unpickling, which does run there).

Targets: every bomb refused or capped with peak memory below 4x the cap; unpickling the
giant feed below 3 s (the longest any other chat may wait).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import pickle
import resource
import time
import tracemalloc
import zlib

from alertbot.devtools.feed_server import FeedServer
from alertbot.feeds.fetch import FetchError, FetchOptions, fetch_feed, make_client
from alertbot.feeds.parse import parse_feed

MB = 1024 * 1024
CAP = 5 * MB


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / MB


def bomb(layers: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    body = b"".join(packer.compress(b"\0" * MB) for _ in range(256)) + packer.flush()
    for _ in range(layers - 1):
        body = gzip.compress(body)
    return body


async def bombs() -> bool:
    ok = True
    options = FetchOptions(allow_private=True, max_bytes=CAP)
    with FeedServer() as server:
        async with make_client(options) as client:
            for layers in (1, 2, 3):
                body = bomb(layers)
                coding = ", ".join(["gzip"] * layers)
                server.set(f"/{layers}.xml", body, headers={"Content-Encoding": coding})
                before = rss_mb()
                tracemalloc.start()
                try:
                    await fetch_feed(client, server.url(f"/{layers}.xml"), options=options)
                    outcome = "accepted (!)"
                    ok = False
                except FetchError as exc:
                    outcome = str(exc)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                ok = ok and peak < 4 * CAP
                print(
                    f"{coding:17} {len(body) / 1024:8.1f} KB on the wire: {outcome}; "
                    f"peak {peak / MB:.1f} MB, RSS {before:.0f} -> {rss_mb():.0f} MB"
                )
    return ok


def giant(items: int) -> bool:
    entries = "".join(
        f"<item><title>Item {i}</title><guid>g{i}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>"
        for i in range(items)
    )
    doc = f'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title>{entries}</channel></rss>'
    started = time.process_time()
    parsed = parse_feed(doc.encode(), base_url="http://127.0.0.1/")
    cpu = time.process_time() - started
    blob = pickle.dumps(parsed)
    started = time.perf_counter()
    pickle.loads(blob)
    back = time.perf_counter() - started
    print(
        f"{items:,} items ({len(doc) / MB:.1f} MB): parsed in {cpu:.1f} s of CPU (a worker's), "
        f"brought back to the event loop in {back:.2f} s ({len(blob) / MB:.1f} MB pickled)"
    )
    return back < 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    ok = asyncio.run(bombs())
    ok = giant(args.items) and ok
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
