"""Benchmark start-up: `python bot.py` on a full database, against the same on an empty one.

Run: .venv/bin/python benchmarks/startup.py [--chats 10000] [--subscriptions 100000]
     [--feeds 1000] [--stories 100000]

1. A database of the issue-14 size is built fresh in a temporary directory (nothing cached
   between runs; timed on its own) with the real `Store`: its migrations, then add_feed,
   touch_chat, subscribe, insert_stories in one transaction, then the search index caught up
   as a running bot keeps it. Topics are what users type: aliases.toml names and labels,
   the suggested topics, capitalised words of the seed stories, and queries over them
   ("Armenia -football", '"ceasefire" OR truce'), drawn Zipf-like so popular topics repeat
   across chats (10 different topics a chat, each one parsing as /subscribe checks it).
   Stories are the seed stories' sentences shuffled, other names put in, spread over the
   feeds and 30 days. No feed is due while measuring: polling is not part of the start-up.
2. The real bot starts as an operator starts it: a subprocess `python bot.py`, its own
   environment (no inherited ALERTBOT_/TELEGRAM_ settings), ALERTBOT_DB pointing at that
   database and TELEGRAM_API_BASE_URL at a `FakeBotApi` running in this process. A /topics
   from a chat with 10 subscriptions is queued before the spawn. Ready means the bot's reply
   to it has arrived (it answered from the database and its in-memory index); the time of
   its first getUpdates is printed too. RSS: the bot process's VmRSS when ready and VmHWM
   (peak) then and 2 s later, from /proc/<pid>/status; its children's RSS apart.
3. The same with an empty database: the floor (Python, imports, the application).

Targets (issue 14): with the full database, start-up (spawn to ready) < 2 s and peak RSS
< 150 MB. On a shared machine the figures are only as quiet as it is (see the load printed).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits, text_of
from alertbot.devtools.seed_feed import load_seed_stories
from alertbot.matching import TopicError, normalise, parse_query
from alertbot.matching.aliases import Aliases
from alertbot.models import Entry
from alertbot.store import Store
from alertbot.store.search import index_new_stories

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-startup-token"
SEED = 20201005
TARGET_SECONDS, TARGET_MB = 2.0, 150.0
FIRST_CHAT = 10_000  # chat ids from FIRST_CHAT (one in ten a group); FIRST_CHAT + 1 asks
TOPICS_PER_CHAT = 10
QUERIES = [  # the shapes of queries users write, over names found below
    "{a}",
    "{a}",
    "{a}",
    "{a} {b}",
    "{a} -{b}",
    "{a} OR {b}",
    '"{a} {b}"',
    "{a} -football",
    '"ceasefire" OR truce',
    "gempa OR tsunami",
]


@dataclass(frozen=True)
class Start:
    ready: float  # seconds from spawn to the reply
    first_poll: float  # seconds from spawn to the first getUpdates
    rss_mb: float  # VmRSS when ready
    peak_mb: float  # VmHWM when ready
    peak_later_mb: float  # VmHWM two seconds later
    children_mb: float  # VmRSS of its child processes when ready
    reply: str  # the start of its answer to /topics


def topic_pool(rng: random.Random) -> list[str]:
    """Distinct topics as users type them, most popular first."""
    aliases = tomllib.loads((REPO / "config" / "aliases.toml").read_text(encoding="utf-8"))
    names: list[str] = []
    for group in aliases["group"]:
        names += [group.get("label", group["names"][0])]
        names += [n for n in group["names"] if "{" not in n]
    suggested = tomllib.loads((REPO / "config" / "suggested_topics.toml").read_text("utf-8"))
    names += [t["query"] for t in suggested["topic"]]
    text = " ".join(s.title + " " + s.body for s in load_seed_stories())
    names += sorted(set(re.findall(r"\b[A-Z][a-z]{3,}\b", text)))
    pool, seen = [], set()
    for n in range(6000):
        shape = QUERIES[n % len(QUERIES)] if n >= len(names) else "{a}"
        a = names[n] if n < len(names) else rng.choice(names)
        topic = shape.format(a=a, b=rng.choice(names))
        key = normalise(topic)
        if key in seen:
            continue
        try:
            parse_query(topic, Aliases.empty())
        except TopicError:
            continue
        seen.add(key)
        pool.append(topic)
    return pool


def story_texts() -> tuple[list[str], list[str]]:
    """Sentences of the seed stories, and names to put into them."""
    stories = load_seed_stories()
    sentences = [s for story in stories for p in story.paragraphs for s in p.split(". ") if s]
    sentences += [story.title for story in stories]
    text = " ".join(sentences)
    names = sorted(set(re.findall(r"\b[A-Z][a-z]{3,}\b", text)))
    return sentences, [*names, "Nagorno-Karabakh", "Stepanakert", "Jakarta", "Kyiv", "NATO"]


def build(path: Path, chats: int, subscriptions: int, feeds: int, stories: int) -> int:
    """Build the database; returns how many distinct topics the chats follow."""
    rng = random.Random(SEED)
    pool = topic_pool(rng)
    weights = [1 / (rank + 1) for rank in range(len(pool))]
    sentences, names = story_texts()
    now = time.time()
    store = Store.open(path)
    with store.transaction():
        feed_ids = [
            store.add_feed(f"https://news{n}.example/rss.xml", title=f"News {n}", interval=300).id
            for n in range(feeds)
        ]
        store.db.execute(
            "update feeds set state = 'ok', last_success = ?, next_poll = ? + id % 300",
            [now - 60, now + 240],
        )
        per_chat, left = subscriptions // chats, subscriptions % chats
        for n in range(chats):
            chat_id = FIRST_CHAT + n if n % 10 else -(FIRST_CHAT + n)  # a group in ten
            store.touch_chat(chat_id, "private" if chat_id > 0 else "group", f"Chat {n}")
            chosen: set[str] = set()
            while len(chosen) < per_chat + (n < left):
                chosen.add(rng.choices(pool, weights)[0])
            for topic in chosen:
                store.subscribe(chat_id, topic, normalise(topic), now=now - rng.uniform(0, 9e6))
        for n in range(stories):
            words = rng.sample(sentences, rng.randint(4, 12))
            words[0] = f"{rng.choice(names)}: {words[0]}"
            title = " ".join(rng.choice(sentences).split()[:12])
            published = now - rng.uniform(0, 30 * 86400)
            entry = Entry(
                guid=f"story-{n}",
                link=f"https://news{n % feeds}.example/{n}",
                title=f"{rng.choice(names)} {title}",
                summary=words[0],
                content=". ".join(words),
                published=datetime.fromtimestamp(published, UTC),
            )
            store.insert_stories(
                feed_ids[n % feeds],
                [(entry, entry.guid or "", entry.link or "")],
                now=published + 60,
            )
    index_new_stories(store.db.conn)  # what the bot's /latest and /search keep up to date
    distinct = int(store._scalar("select count(distinct normalised) from subscriptions"))
    store.close()
    return distinct


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of a process; {} once it has gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        k: int(v.split()[0]) for k, _, v in (ln.partition(":") for ln in lines) if k[:2] == "Vm"
    }


def children_rss_kb(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            total += status_kb(int(child)).get("VmRSS", 0)
    return total


def start_bot(db: Path, workdir: Path) -> Start:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERTBOT_", "TELEGRAM_"))}
    with FakeBotApi(TOKEN, limits=FloodLimits(private_burst=20)) as api:
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "ALERTBOT_DB": str(db),
            "ALERTBOT_ADMIN_IDS": "1",
            "ALERTBOT_STARTER_FEEDS": "",
            "ALERTBOT_LOG_LEVEL": "INFO",
        }
        api.send_text(FIRST_CHAT + 1, "/topics")
        log = (workdir / f"{db.stem}.log").open("w+", encoding="utf-8")
        spawned = time.perf_counter()
        bot = subprocess.Popen(
            [sys.executable, "bot.py"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            first_poll = 0.0
            while not api.messages(FIRST_CHAT + 1):
                if bot.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"the bot exited ({bot.returncode}):\n{log.read()[-3000:]}")
                if not first_poll and api.calls("getUpdates"):
                    first_poll = time.perf_counter() - spawned
                time.sleep(0.005)
            ready = time.perf_counter() - spawned
            status, children = status_kb(bot.pid), children_rss_kb(bot.pid)
            time.sleep(2)
            later = status_kb(bot.pid)
            reply = " ".join(text_of(api.messages(FIRST_CHAT + 1)[0]).split())[:70]
        finally:
            os.killpg(bot.pid, signal.SIGTERM)
            bot.wait(timeout=30)
            log.close()
    return Start(
        ready,
        first_poll or ready,
        status["VmRSS"] / 1024,
        status["VmHWM"] / 1024,
        later.get("VmHWM", 0) / 1024,
        children / 1024,
        reply,
    )


def line(name: str, s: Start) -> str:
    return (
        f"{name:<6} ready {s.ready:5.2f} s (first getUpdates {s.first_poll:5.2f} s); RSS "
        f"{s.rss_mb:5.1f} MB when ready, peak {s.peak_mb:5.1f} MB ({s.peak_later_mb:5.1f} MB "
        f"2 s later); child processes {s.children_mb:.1f} MB\n"
        f"       its answer to /topics: {s.reply!r}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        full, empty = workdir / "full.db", workdir / "empty.db"
        started = time.perf_counter()
        distinct = build(full, args.chats, args.subscriptions, args.feeds, args.stories)
        size = sum(p.stat().st_size for p in workdir.glob("full.db*")) / 1e6
        print(
            f"built {args.chats:,} chats, {args.subscriptions:,} subscriptions, "
            f"{args.feeds:,} feeds, {args.stories:,} stories in "
            f"{time.perf_counter() - started:.1f} s ({size:.0f} MB on disk; "
            f"{distinct:,} distinct topics)"
        )
        Store.open(empty).close()
        floor = start_bot(empty, workdir)
        loaded = start_bot(full, workdir)
    print(line("empty", floor))
    print(line("full", loaded))
    peak = max(loaded.peak_mb, loaded.peak_later_mb)
    print(
        f"difference: {loaded.ready - floor.ready:+.2f} s, "
        f"{loaded.rss_mb - floor.rss_mb:+.1f} MB RSS when ready, "
        f"{peak - max(floor.peak_mb, floor.peak_later_mb):+.1f} MB peak"
    )
    print(f"load average after the run: {os.getloadavg()[0]:.2f} (a shared machine?)")
    targets = [
        (f"start-up < {TARGET_SECONDS:.0f} s", loaded.ready < TARGET_SECONDS),
        (f"peak RSS < {TARGET_MB:.0f} MB", peak < TARGET_MB),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    print("targets met" if all(ok for _, ok in targets) else "TARGETS MISSED")


if __name__ == "__main__":
    main()
