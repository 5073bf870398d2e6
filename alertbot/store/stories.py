"""Stories: what is known (for refresh/identity), writes, newest first.

No decisions here: whether an entry is a new story is `refresh.identity`'s call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..models import Entry, Story
from ._base import StoreBase, to_dt, to_ts

_SOURCE = "coalesce(nullif(feeds.title, ''), feeds.url, '')"  # a story's feed, as shown
_STORY_SQL = f"""
select stories.*, {_SOURCE} as source
from stories left join feeds on feeds.id = stories.feed_id
"""
_COLUMNS = (
    "feed_id",
    "guid",
    "link",
    "canonical_link",
    "title",
    "summary",
    "text",
    "published",
    "first_seen",
)
_INSERT = f"insert into stories ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})"


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


class StoriesMixin(StoreBase):
    def known_guids(self, feed_id: int, guids: Iterable[str]) -> set[str]:
        """Which of these identities this feed already gave (as a story or as a source)."""
        wanted = list(guids)
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        return {
            str(row[0])
            for row in self.db.execute(
                f"select guid from stories where feed_id = ? and guid in ({marks}) "
                f"union select guid from story_sources where feed_id = ? and guid in ({marks})",
                [feed_id, *wanted, feed_id, *wanted],
            )
        }

    def stories_by_canonical_link(self, links: Iterable[str]) -> dict[str, int]:
        """The first stored story for each of these canonical links, in few queries."""
        wanted = list(links)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for link, story_id in self.db.execute(
                "select canonical_link, min(id) from stories where canonical_link in ({}) "
                "group by canonical_link".format(",".join("?" * len(chunk))),
                chunk,
            ):
                found[str(link)] = int(story_id)
        return found

    def recent_headlines(self, *, since: float, after_id: int = 0) -> list[tuple[int, str, float]]:
        """(id, title, first seen) of stories first seen at or after `since`, id > `after_id`."""
        rows = self.db.execute(
            "select id, title, first_seen from stories where id > ? and first_seen >= ? "
            "order by id",
            [after_id, since],
        )
        return [(int(i), str(title), float(seen)) for i, title, seen in rows]

    def existing_story_ids(self, ids: Iterable[int]) -> set[int]:
        wanted = list(ids)
        if not wanted:
            return set()
        rows = self.db.execute(
            "select id from stories where id in ({})".format(",".join("?" * len(wanted))), wanted
        )
        return {int(row[0]) for row in rows}

    def insert_stories(
        self, feed_id: int, new: Sequence[tuple[Entry, str, str]], *, now: float
    ) -> list[Story]:
        """Store new stories, each (entry, guid, canonical link), in one statement; returns
        them as stored, in order (what `stories_by_ids` would read back)."""
        if not new:
            return []
        rows = [
            (
                feed_id,
                guid,
                entry.link or "",
                link,
                entry.title,
                entry.summary,
                entry.content,
                to_ts(entry.published),
                now,
            )
            for entry, guid, link in new
        ]
        self.db.conn.executemany(_INSERT, rows)
        guids = [row[1] for row in rows]
        ids = {
            str(guid): int(story_id)
            for guid, story_id in self.db.execute(
                "select guid, id from stories where feed_id = ? and guid in ({})".format(
                    ",".join("?" * len(guids))
                ),
                [feed_id, *guids],
            )
        }
        source = self._scalar(f"select {_SOURCE} from feeds where id = ?", [feed_id])
        return [
            _story({"id": ids[row[1]], **dict(zip(_COLUMNS, row, strict=True)), "source": source})
            for row in rows
        ]

    def add_story_sources(
        self, feed_id: int, sources: Iterable[tuple[int, Entry, str]], *, now: float
    ) -> None:
        """Record that this feed carries stories already stored, each (story id, entry,
        guid): stories from another feed, most often."""
        rows = [
            (story_id, feed_id, guid, entry.link or "", entry.title, now)
            for story_id, entry, guid in sources
        ]
        if not rows:
            return
        self.db.conn.executemany(
            "insert or ignore into story_sources (story_id, feed_id, guid, link, "
            "title, seen_at) values (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def extra_sources(self, story_ids: Iterable[int]) -> dict[int, int]:
        """For each story, how many other feeds carried it too (stories with none omitted)."""
        ids = list(story_ids)
        if not ids:
            return {}
        rows = self.db.execute(
            "select story_sources.story_id, count(distinct story_sources.feed_id) "
            "from story_sources join stories on stories.id = story_sources.story_id "
            "where story_sources.feed_id != stories.feed_id and story_sources.story_id in ({}) "
            "group by story_sources.story_id".format(",".join("?" * len(ids))),
            ids,
        )
        return {int(story_id): int(n) for story_id, n in rows}

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

    def count_stories(self) -> int:
        return int(self._scalar("select count(*) from stories") or 0)

    def prune_stories(self, older_than: float) -> int:
        """Delete stories first seen before `older_than` (the FTS triggers follow)."""
        with self._atomic():
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
            self.db.execute(
                "delete from story_sources where story_id not in (select id from stories)"
            )
        return int(cursor.rowcount or 0)
