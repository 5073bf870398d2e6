"""store/search.py: full-text candidates of the engine's normal form, confirmed by the engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alertbot.matching import Aliases, parse_query
from alertbot.store import Store
from alertbot.store.search import StorySearch, fts_expression, index_new_stories, newest_matching

ALIASES = Aliases.from_names([["Jokowi", "Joko Widodo"], ["MA", "Mahkamah Agung"]])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "s.db")
    yield store
    store.close()


def put(store: Store, rows: list[tuple[str, str, float | None, float]]) -> list[int]:
    """(title, text, published, first_seen) rows, stored as a feed would; their ids."""
    feeds = store.list_feeds()
    feed = feeds[0] if feeds else store.add_feed("https://s.example/rss", title="S", interval=300)
    ids = []
    for n, (title, text, published, seen) in enumerate(rows):
        cursor = store.db.execute(
            "insert into stories (feed_id, guid, link, canonical_link, title, summary, text, "
            "published, first_seen) values (?, ?, '', '', ?, '', ?, ?, ?)",
            [feed.id, f"g{n}-{title}", title, text, published, seen],
        )
        ids.append(int(cursor.lastrowid or 0))
    store.db.conn.commit()
    return ids


def newest(store: Store, topic: str, limit: int = 10, offset: int = 0) -> list[int]:
    index_new_stories(store.db.conn)
    return newest_matching(store.db.conn, parse_query(topic, ALIASES), limit, offset=offset)


@pytest.mark.parametrize(
    ("topic", "expression"),
    [
        ("banjir", '("antibanjir" OR "banjir" OR "banjirkah" OR "banjirku" OR "banjirlah" OR'),
        ('"banjir"', '("banjir")'),
        ("mingach*", '("mingach"*)'),
        ("a OR b", '(("a") OR ("b"))'),
        ('"a b" -c', '(("a b"))'),
        ("UN", '("un")'),  # candidates case-insensitive; the engine checks capitals
    ],
)
def test_fts_expression(topic: str, expression: str) -> None:
    got = fts_expression(parse_query(topic).tree)
    assert got is not None and got.replace("((", "(").startswith(expression.replace("((", "("))


def test_results_are_the_engine_s_newest_first(store: Store) -> None:
    ids = put(
        store,
        [
            ("Banjir di Bekasi", "Air setinggi lutut.", None, 100.0),
            ("Warga pascabanjir", "Lumpur tebal.", 500.0, 200.0),  # published later
            ("#BanjirJakarta", "Ciliwung meluap.", None, 300.0),
            ("Banjir sepak bola", "Stadion kebanjiran penonton.", None, 400.0),
            ("Kata Ma'ruf", "MA memutus perkara.", None, 50.0),
        ],
    )
    assert newest(store, "banjir") == [ids[1], ids[3], ids[2], ids[0]]
    assert newest(store, "banjir -bola") == [ids[1], ids[2], ids[0]]
    assert newest(store, "banjir", limit=2, offset=1) == [ids[3], ids[2]]
    assert newest(store, "Mahkamah Agung") == [ids[4]]  # MA in capitals, via the alias
    assert newest(store, "ruf") == []  # no half of an apostrophe word


def test_new_stories_are_indexed_at_the_next_search_and_pruned_ones_leave(store: Store) -> None:
    first = put(store, [("Jokowi tiba", "Di Bali.", None, 1.0)])
    assert newest(store, "Joko Widodo") == first
    second = put(store, [("Presiden Joko Widodo", "Di Jakarta.", None, 2.0)])
    assert newest(store, "Jokowi") == [second[0], first[0]]
    assert store.prune_stories(1.5) == 1
    assert store.db.execute("select count(*) from stories_words").fetchone()[0] == 1
    assert newest(store, "Jokowi") == second


def test_story_search_uses_its_own_connection(store: Store, tmp_path: Path) -> None:
    ids = put(store, [("Gempa Cianjur", "Rumah rusak.", None, 1.0)])
    search = StorySearch(tmp_path / "s.db")
    assert search.newest(parse_query("gempa"), 10) == ids
    assert search.catch_up() == 0
