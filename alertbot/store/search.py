"""Stories matching a topic, newest first, over the whole store: /latest <topic> and /search.

SQLite's full-text index over each story's *normal form* (the text the topic engine reads:
apostrophes, hashtags and dashed compounds already resolved; table `stories_words`, tokenised
on spaces) gives the candidates; the topic engine confirms each one, so both commands agree
with the alerts. Candidates come in pages in the order of the `stories_newest` index, so a
common topic stops after a page and a rare one costs what its few matches cost.

The index is brought up to date at each call (stories stored since the last one). Calls open
their own connection, so `StorySearch` can run them in a worker thread while the bot's own
connection stays in the event loop's thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ..matching import Query, TopicIndex
from ..matching.forms import base_pattern, inflections, is_forms
from ..matching.normalise import searchable, story_body
from ..matching.tree import And, Node, Not, Or, Term

__all__ = [
    "StorySearch",
    "fts_expression",
    "index_new_stories",
    "newest_matching",
    "ordered",
    "words_of",
]

_BATCH = 64  # candidates fetched and confirmed at a time
_MAX_CANDIDATES = 20_000  # a topic the index cannot narrow (a -a) stops here, not at the end
_INDEX_CHUNK = 500  # stories indexed per transaction: the bot's own writes wait little
_ORDER = "coalesce(published, first_seen)"
_T = TypeVar("_T")
_indexing = threading.Lock()  # one catch-up at a time in this process


def words_of(title: str, summary: str, text: str) -> str:
    """What the full-text index holds for a story: the title and body as the engine scans them."""
    return searchable(title) + "\n" + searchable(story_body(summary, text))


def index_new_stories(conn: sqlite3.Connection) -> int:
    """Index the stories stored since the last call; returns how many."""
    done = 0
    with _indexing:
        while True:
            with conn:
                rows = conn.execute(
                    "select id, title, coalesce(summary, ''), coalesce(text, '') from stories "
                    "where id > (select coalesce(max(rowid), 0) from stories_words) "
                    "order by id limit ?",
                    [_INDEX_CHUNK],
                ).fetchall()
                conn.executemany(
                    "insert into stories_words (rowid, words) values (?, ?)",
                    [(i, words_of(t, s, x)) for i, t, s, x in rows],
                )
            done += len(rows)
            if len(rows) < _INDEX_CHUNK:
                return done


def _phrases(term: Term, pattern: str) -> list[str]:
    if is_forms(pattern):
        return [f'"{form}"' for form in (pattern[1:], *inflections(pattern[1:]))]
    return [f'"{base_pattern(pattern).strip()}"' + ("*" if term.prefix else "")]


def fts_expression(node: Node) -> str | None:
    """An FTS5 query every story matching `node` also matches (exclusions left to the engine)."""
    if isinstance(node, Term):
        phrases = {phrase for p in node.patterns for phrase in _phrases(node, p)}
        return "(" + " OR ".join(sorted(phrases)) + ")"
    if isinstance(node, Not):
        return None
    parts = [fts_expression(part) for part in node.parts]
    if isinstance(node, And):
        kept = [p for p in parts if p is not None]
        return "(" + " AND ".join(kept) + ")" if kept else None
    assert isinstance(node, Or)
    if any(p is None for p in parts):
        return None
    return "(" + " OR ".join(p for p in parts if p is not None) + ")"


def newest_matching(
    conn: sqlite3.Connection, query: Query, limit: int, *, offset: int = 0
) -> list[int]:
    """Ids of the newest stories the topic matches (skipping `offset` of them), newest first."""
    expression = fts_expression(query.tree)
    if expression is None:  # parse_query refuses such topics; nothing to narrow by
        return []
    engine = TopicIndex()
    engine.add(0, query)
    found: list[int] = []
    after: tuple[float, int] | None = None
    examined = 0
    while len(found) < offset + limit and examined < _MAX_CANDIDATES:
        keyset = f"and ({_ORDER}, id) < (?, ?)" if after else ""
        rows = conn.execute(
            f"select id, title, coalesce(summary, ''), coalesce(text, ''), {_ORDER} "
            "from stories indexed by stories_newest where id in "
            f"(select rowid from stories_words where stories_words match ?) {keyset} "
            f"order by {_ORDER} desc, id desc limit ?",
            [expression, *(after or ()), _BATCH],
        ).fetchall()
        examined += len(rows)
        for story_id, title, summary, text, _ in rows:
            if engine.match(title, story_body(summary, text)):
                found.append(int(story_id))
        if len(rows) < _BATCH:
            break
        after = (float(rows[-1][4]), int(rows[-1][0]))
    return found[offset : offset + limit]


class StorySearch:
    """Runs searches on their own connection to the database, in a worker thread if asked."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("pragma busy_timeout = 30000")
        return conn

    def _with_connection(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        conn = self._connect()
        try:
            return work(conn)
        finally:
            conn.close()

    def newest(self, query: Query, limit: int, *, offset: int = 0) -> list[int]:
        """Story ids matching the topic, newest first (blocking: call from a worker thread)."""

        def work(conn: sqlite3.Connection) -> list[int]:
            index_new_stories(conn)
            return newest_matching(conn, query, limit, offset=offset)

        return self._with_connection(work)

    async def newest_async(self, query: Query, limit: int, *, offset: int = 0) -> list[int]:
        """Like `newest`, off the event loop."""
        return await asyncio.to_thread(self.newest, query, limit, offset=offset)

    def catch_up(self) -> int:
        """Index what was stored since the last search (blocking)."""
        return self._with_connection(index_new_stories)


def ordered(ids: Sequence[int], stories: Sequence[_T], key: Callable[[_T], int]) -> list[_T]:
    """`stories` (fetched by id, in any order) in the order of `ids`."""
    by_id = {key(s): s for s in stories}
    return [by_id[i] for i in ids if i in by_id]
