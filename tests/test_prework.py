"""The parse worker's prework: the same canonical links, headline keys and match texts the
refresh would work out, handed to the bot's memos so the refresh only looks them up."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from alertbot.feeds.parse import parse_feed
from alertbot.feeds.parse_pool import ParsePool, default_workers
from alertbot.matching.normalise import searchable, story_body
from alertbot.refresh import prework
from alertbot.refresh.dedupe import headline_key
from alertbot.refresh.links import canonical_link

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NAMES = ["serambinews_rss.xml", "mingachevir_atom.xml", "shapes/relative_guids_rss.xml"]


def clear() -> None:
    for cache in (canonical_link, headline_key, searchable):
        cache.cache_clear()


@pytest.mark.parametrize("name", NAMES)
def test_derive_gives_what_the_refresh_computes(name: str) -> None:
    parsed = parse_feed((FEEDS / name).read_bytes(), base_url="https://berita.example/rss")
    clear()
    links, keys, titles, bodies = prework.derive(parsed)
    assert len(parsed.entries) == len(links) == len(keys) == len(titles) == len(bodies) > 0
    for entry, link, key, title, body in zip(
        parsed.entries, links, keys, titles, bodies, strict=True
    ):
        assert link == (canonical_link.__wrapped__(entry.link) if entry.link else "")
        assert key == headline_key.__wrapped__(entry.title)
        assert title == searchable.__wrapped__(entry.title)
        assert body == searchable.__wrapped__(story_body(entry.summary, entry.content))


def test_remembered_results_are_what_the_refresh_then_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = parse_feed((FEEDS / "serambinews_rss.xml").read_bytes(), base_url="https://b.example/")
    derived = prework.derive(parsed)
    clear()
    prework.remember(parsed, derived)
    entry = parsed.entries[0]
    assert entry.link

    def not_here(text: str) -> None:
        raise AssertionError(f"worked out in the bot's process: {text[:40]!r}")

    # What the refresh then asks is answered from the memos, never computed again.
    for cache in (canonical_link, headline_key, searchable):
        monkeypatch.setattr(cache, "__wrapped__", not_here)
    assert canonical_link(entry.link) == derived[0][0]
    assert headline_key(entry.title) == derived[1][0]
    assert searchable(entry.title) == derived[2][0]
    assert searchable(story_body(entry.summary, entry.content)) == derived[3][0]


async def test_the_bots_pool_parses_as_parse_feed_does_and_fills_the_memos() -> None:
    content = (FEEDS / "mingachevir_atom.xml").read_bytes()
    expected = parse_feed(content, base_url="https://b.example/atom")
    pool = prework.parse_pool(1)
    try:
        clear()
        parsed = await pool(content, base_url="https://b.example/atom", content_type=None)
        assert parsed == expected
        # Worked out in the worker: the bot's memos hold every entry's results, uncomputed.
        for entry in parsed.entries:
            assert entry.title in headline_key._results
            assert story_body(entry.summary, entry.content) in searchable._results
    finally:
        pool.close()


async def test_without_workers_nothing_is_worked_out_ahead() -> None:
    # On one core the feed is parsed in the bot's process: working out ahead would only
    # move the refresh's own work earlier, so the memos fill as the refresh asks.
    content = (FEEDS / "serambinews_rss.xml").read_bytes()
    pool = prework.parse_pool(0)
    clear()
    parsed = await pool(content, base_url="https://b.example/", content_type=None)
    assert parsed == parse_feed(content, base_url="https://b.example/")
    assert isinstance(pool, ParsePool) and pool.workers == 0
    assert len(canonical_link) == len(headline_key) == len(searchable) == 0


def test_default_workers_leave_the_bots_core_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, workers in ((1, 0), (2, 1), (4, 3), (16, 4)):
        monkeypatch.setattr("os.sched_getaffinity", lambda _pid, n=cores: set(range(n)))
        assert default_workers() == workers


def test_a_huge_feed_has_only_its_first_entries_prepared() -> None:
    parsed = parse_feed((FEEDS / "serambinews_rss.xml").read_bytes(), base_url="https://b.example/")
    entry = parsed.entries[0]
    huge = replace(
        parsed, entries=tuple(replace(entry, title=f"{n} {entry.title}") for n in range(1_500))
    )
    derived = prework.derive(huge)
    assert all(len(part) == prework.MAX_ENTRIES for part in derived)
    clear()
    prework.remember(huge, derived)  # the rest are left to the refresh, computed there
    assert len(headline_key) == prework.MAX_ENTRIES
