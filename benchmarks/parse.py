"""Benchmark parsing: the fast path against feedparser on 50-item feeds, and the fixtures.

Run: .venv/bin/python benchmarks/parse.py [--feeds 40] [--items 50] [--rounds 3]

The feeds are the ones `benchmarks/polling.py` serves (RSS 2.0, an HTML summary of about
600 bytes per item). Per feed, best of `--rounds`, in this process:

- `parse_fast`: the fast path up to feedparser-shaped dicts (what replaces feedparser);
- `parse_fast_path`: the same plus the shared adapter (cleaning, titles, dates): what the
  bot runs for a feed the fast path takes;
- `parse_with_feedparser`: feedparser plus the same adapter: what the bot ran before;
- `feedparser.parse` alone, as the adapter calls it.

Then each fixture feed: taken by the fast path (and equal to feedparser's result) or refused.
`--candidates` also times the raw parse of the other parsers considered, where installed
(they are not dependencies: `pip install lxml feedparser-rs fastfeedparser` to see them).
The machine may be shared: the figures are only as quiet as it is (see the load printed).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import feedparser
from polling import SEED, feed_document

from alertbot.feeds import fastparse
from alertbot.feeds.fastparse import Refused, parse_fast
from alertbot.feeds.parse import NotAFeed, parse_fast_path, parse_with_feedparser

ROOT = Path(__file__).resolve().parent.parent

BASE = "https://host1.example/feed/1.xml"


def best_ms(docs: list[bytes], parse: Callable[[bytes], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        fastparse._join.cache_clear()  # every link new, as in a cold cycle
        started = time.perf_counter()
        for doc in docs:
            parse(doc)
        best = min(best, time.perf_counter() - started)
    return best / len(docs) * 1000


def feedparser_alone(doc: bytes) -> object:
    return feedparser.parse(
        io.BytesIO(doc),
        response_headers={"content-location": BASE, "content-type": "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def candidates(docs: list[bytes], rounds: int) -> None:
    """The raw parse of each candidate: a tree or its own dicts, no adapter, no cleaning."""
    import xml.etree.ElementTree as ET

    timed: dict[str, Callable[[bytes], object]] = {"stdlib ElementTree (C)": ET.fromstring}
    try:
        from lxml import etree

        def lxml_iterparse(doc: bytes) -> object:
            return sum(1 for _ in etree.iterparse(io.BytesIO(doc), resolve_entities=False))

        timed["lxml iterparse"] = lxml_iterparse
    except ImportError:
        print("  (lxml not installed)")
    for module, call in (("feedparser_rs", "parse"), ("fastfeedparser", "parse")):
        try:
            timed[f"{module}.{call}"] = getattr(__import__(module), call)
        except ImportError:
            print(f"  ({module} not installed)")
    timed["feedparser.parse"] = feedparser_alone
    for name, parse in timed.items():
        print(f"  {name:36} {best_ms(docs, parse, rounds):7.2f} ms per feed")


def fixtures() -> None:
    folder = ROOT / "tests" / "fixtures" / "feeds"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        try:
            fast = parse_fast_path(data, base_url=BASE)
        except Refused as exc:
            print(f"  {path.relative_to(folder)!s:32} feedparser (refused: {exc})")
            continue
        try:
            same = fast == parse_with_feedparser(data, base_url=BASE)
        except NotAFeed:
            same = False
        verdict = "same as feedparser" if same else "DIFFERS from feedparser"
        print(
            f"  {path.relative_to(folder)!s:32} fast path, {len(fast.entries)} entries, {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--candidates", action="store_true", help="time other parsers too")
    args = parser.parse_args()

    rng = random.Random(SEED)
    docs = [feed_document(n, args.items, rng) for n in range(args.feeds)]
    assert all(
        parse_fast_path(d, base_url=BASE) == parse_with_feedparser(d, base_url=BASE) for d in docs
    ), "the fast path disagrees with feedparser on the benchmark feeds"
    print(
        f"{args.feeds} feeds x {args.items} items ({sum(map(len, docs)) / len(docs) / 1000:.0f} KB "
        f"each); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    figures = {
        "parse_fast (to dicts)": best_ms(docs, lambda d: parse_fast(d, base_url=BASE), args.rounds),
        "feedparser.parse alone": best_ms(docs, feedparser_alone, args.rounds),
        "parse_fast_path (+ adapter)": best_ms(
            docs, lambda d: parse_fast_path(d, base_url=BASE), args.rounds
        ),
        "parse_with_feedparser (+ adapter)": best_ms(
            docs, lambda d: parse_with_feedparser(d, base_url=BASE), args.rounds
        ),
    }
    for name, ms in figures.items():
        print(f"  {name:36} {ms:7.2f} ms per feed, {1000 / ms:6.0f} feeds/s")
    parser_ratio = figures["feedparser.parse alone"] / figures["parse_fast (to dicts)"]
    whole_ratio = (
        figures["parse_with_feedparser (+ adapter)"] / figures["parse_fast_path (+ adapter)"]
    )
    adapter = figures["parse_fast_path (+ adapter)"] - figures["parse_fast (to dicts)"]
    print(f"ratio, parser alone: fast path {parser_ratio:.1f}x feedparser")
    print(f"ratio, whole parse_feed: fast path {whole_ratio:.1f}x feedparser")
    print(f"the shared adapter (mostly cleaning.clean): about {adapter:.2f} ms per feed")
    if args.candidates:
        print("candidates, raw parse only:")
        candidates(docs, args.rounds)
    print("fixtures:")
    fixtures()


if __name__ == "__main__":
    main()
