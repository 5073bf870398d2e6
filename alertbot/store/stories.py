"""Stories: dedupe on arrival, newest first, full-text search."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..links import canonical_link
from ..models import Entry, Story
from ._base import StoreBase, now_ts, to_dt, to_ts

_STORY_SQL = """
select stories.*, coalesce(nullif(feeds.title, ''), feeds.url, '') as source
from stories left join feeds on feeds.id = stories.feed_id
"""


def _story(row: dict[str, Any]) -> Story:
    return Story(
        id=row["id"],
        feed_id=row["feed_id"],
        guid=row["guid"],
        link=row["link"] or "",
        canonical_link=row["canonical_link"] or "",
        title=row["title"],
        summary=row["summary"] or "",
        text=row["text"] or "",
        published=to_dt(row["published"]),
        first_seen=to_dt(row["first_seen"]),  # type: ignore[arg-type]
        source=row.get("source") or "",
    )


def entry_identity(entry: Entry) -> str | None:
    """A story's identity inside its feed: the guid, else the canonical link."""
    if entry.guid:
        return entry.guid
    if entry.link:
        return canonical_link(entry.link)
    return None


class StoriesMixin(StoreBase):
    def add_stories(
        self, feed_id: int, entries: Iterable[Entry], *, now: float | None = None
    ) -> list[Story]:
        """Store the entries this feed has not given before; return only the new stories.

        The same canonical link seen through another feed is the same story: it is not
        stored (nor alerted) twice.
        """
        now = now_ts() if now is None else now
        candidates: dict[str, Entry] = {}
        for entry in entries:
            ident = entry_identity(entry) or f"title:{entry.title}"
            candidates.setdefault(ident, entry)
        if not candidates:
            return []
        known = {
            row[0]
            for row in self.db.execute(
                "select guid from stories where feed_id = ? and guid in ({})".format(
                    ",".join("?" * len(candidates))
                ),
                [feed_id, *candidates],
            )
        }
        new_ids: list[int] = []
        with self.db.atomic():
            for ident, entry in candidates.items():
                if ident in known:
                    continue
                canonical = canonical_link(entry.link) if entry.link else ""
                if canonical and self._scalar(
                    "select 1 from stories where canonical_link = ? limit 1", [canonical]
                ):
                    continue
                cursor = self.db.execute(
                    "insert into stories (feed_id, guid, link, canonical_link, title, summary, "
                    "text, published, first_seen) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        feed_id,
                        ident,
                        entry.link or "",
                        canonical,
                        entry.title,
                        entry.summary,
                        entry.content,
                        to_ts(entry.published),
                        now,
                    ],
                )
                new_ids.append(int(cursor.lastrowid or 0))
        return self.stories_by_ids(new_ids)

    def stories_by_ids(self, ids: Iterable[int]) -> list[Story]:
        ids = list(ids)
        if not ids:
            return []
        rows = self._rows(
            _STORY_SQL
            + " where stories.id in ({}) order by stories.id".format(",".join("?" * len(ids))),
            ids,
        )
        return [_story(r) for r in rows]

    def latest_stories(self, limit: int = 10, *, scan: int | None = None) -> list[Story]:
        """Newest first by publication time (first-seen time when a feed gives none)."""
        rows = self._rows(
            _STORY_SQL
            + " order by coalesce(stories.published, stories.first_seen) desc, stories.id desc"
            + " limit ?",
            [scan or limit],
        )
        return [_story(r) for r in rows]

    def search_stories(self, words: str, limit: int = 10) -> list[Story]:
        """Full-text search; the user's words are quoted so FTS syntax cannot break it."""
        # Only word characters reach FTS5, each as a quoted string: no syntax can leak in.
        tokens = re.findall(r"\w+", words)
        if not tokens:
            return []
        query = " ".join(f'"{t}"' for t in tokens[:30])
        rows = self._rows(
            _STORY_SQL
            + " join stories_fts on stories_fts.rowid = stories.id"
            + " where stories_fts match ? order by stories_fts.rank,"
            + " coalesce(stories.published, stories.first_seen) desc limit ?",
            [query, limit],
        )
        return [_story(r) for r in rows]

    def count_stories(self) -> int:
        return int(self._scalar("select count(*) from stories") or 0)

    def prune_stories(self, older_than: float) -> int:
        """Delete stories first seen before `older_than` (the FTS triggers follow)."""
        with self.db.atomic():
            self.db.execute(
                "delete from alerts where story_id in "
                "(select id from stories where first_seen < ?) and status != 'pending'",
                [older_than],
            )
            cursor = self.db.execute(
                "delete from stories where first_seen < ? and id not in "
                "(select story_id from alerts where status = 'pending')",
                [older_than],
            )
        return int(cursor.rowcount or 0)
