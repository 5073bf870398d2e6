"""Benchmark /latest <topic> over a large store: the new search against the old scan. Prints figures.

Run: .venv/bin/python benchmarks/latest.py [--stories N]

A store of 100,000 short stories (deterministic, seeded; mostly Indonesian news words, first
seen one a minute) with a few rare topics hidden in them: "Mingachevir" in 42 stories spread
over the whole store (the oldest among the very first), "pascalongsor Sumedang" only in the
oldest 10 stories. Measured, on the same store in the same run:

- new: store/search.py — candidates from the full-text index of normal forms, confirmed by
  the topic engine, newest first (`StorySearch.newest`, its own connection, as /latest runs
  it in a worker thread); the first call also indexes every story (timed apart);
- old: the way /latest worked before — the newest 3,000 stories, each tried with
  `Query.matches` — which finds only what is among those 3,000.

Target: < 100 ms a call at 100,000 stories, and every match found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from alertbot.matching import Aliases, parse_query
from alertbot.store import Store
from alertbot.store.search import StorySearch

ROOT = Path(__file__).resolve().parent.parent

SEED = 20201005
_WORDS = (
    "pemerintah warga banjir gempa harga pasar presiden menteri polisi sekolah rumah sakit "
    "jalan tol kereta bandara pelabuhan nelayan petani beras cabai minyak listrik air hujan "
    "angin laut gunung desa kota provinsi kabupaten bupati gubernur dewan partai pemilu "
    "the government said on monday that prices rose in the capital after talks"
)
WORDS = _WORDS.split()
TOPICS = ["Mingachevir", "pascalongsor Sumedang", "banjir", "Jokowi OR Prabowo", "harga -cabai"]


def build(path: Path, count: int) -> Store:
    rng = random.Random(SEED)
    store = Store.open(path)
    feed = store.add_feed("https://news.example/rss", title="News", interval=300)
    rare = set(rng.sample(range(count), 41)) | {3}
    oldest = set(range(10))
    t0 = 1_600_000_000.0
    rows = []
    for n in range(count):
        words = rng.choices(WORDS, k=40)
        if n in rare:
            words.insert(rng.randrange(40), "Mingachevir")
        if n in oldest:
            words += ["pascalongsor", "di", "Sumedang"]
        if n % 500 == 0:
            words += ["Presiden", "Jokowi"]
        title = " ".join(words[:8]).capitalize()
        rows.append(
            (
                feed.id,
                f"g{n}",
                f"https://news.example/{n}",
                "",
                title,
                "",
                " ".join(words),
                None,
                t0 + 60 * n,
            )
        )
    with store.transaction():
        store.db.conn.executemany(
            "insert into stories (feed_id, guid, link, canonical_link, title, summary, text, "
            "published, first_seen) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return store


def old_way(store: Store, topic: str, aliases: Aliases, limit: int = 10) -> list[int]:
    query = parse_query(topic, aliases)
    candidates = store.latest_stories(scan=3000)
    return [s.id for s in candidates if query.matches(s.title, f"{s.summary}\n{s.text}")][:limit]


def timed(fn: object, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    args = parser.parse_args()
    aliases = Aliases.load(ROOT / "config" / "aliases.toml")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        store = build(path, args.stories)
        print(f"{args.stories:,} stories stored in {time.perf_counter() - start:.1f} s")
        search = StorySearch(path)
        start = time.perf_counter()
        indexed = search.catch_up()
        print(
            f"first search indexes them all: {indexed:,} in {time.perf_counter() - start:.1f} s "
            "(once; later searches index only what is new)"
        )
        worst = 0.0
        for topic in TOPICS:
            query = parse_query(topic, aliases)
            new_s, new_ids = timed(lambda q=query: search.newest(q, 10), 7)
            old_s, old_ids = timed(lambda t=topic: old_way(store, t, aliases), 3)
            worst = max(worst, new_s)
            print(
                f"  {topic!r:26} new {new_s * 1000:6.1f} ms, {len(new_ids):2} found"  # type: ignore[arg-type]
                f" | old {old_s * 1000:6.1f} ms, {len(old_ids):2} found"  # type: ignore[arg-type]
                f" | {old_s / new_s:5.1f}x faster"
            )
        every = search.newest(parse_query("Mingachevir", aliases), 1000)
        old_every = old_way(store, "Mingachevir", aliases, limit=1000)
        print(f"  every match of 'Mingachevir' (42 stored): new {len(every)}, old {len(old_every)}")
        print(
            f"worst new call {worst * 1000:.1f} ms: target < 100 ms "
            f"{'met' if worst < 0.1 else 'MISSED'}"
        )
        store.close()


if __name__ == "__main__":
    main()
