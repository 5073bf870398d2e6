"""Stories: dedupe on arrival (across feeds too), newest first, full-text search."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..models import Entry, Story
from ..refresh.dedupe import WINDOW_SECONDS, HeadlineIndex
from ..refresh.links import canonical_link
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
    _headlines: tuple[float, HeadlineIndex] | None = None  # (built at, index)

    def add_stories(
        self, feed_id: int, entries: Iterable[Entry], *, now: float | None = None
    ) -> list[Story]:
        """Store the entries this feed has not given before; return only the new stories.

        A story another feed already gave (the same canonical link, or a near-identical
        headline first seen within 24 hours) is not stored nor alerted twice: this feed is
        recorded as one more source of it.
        """
        now = now_ts() if now is None else now
        candidates: dict[str, Entry] = {}
        for entry in entries:
            ident = entry_identity(entry) or f"title:{entry.title}"
            candidates.setdefault(ident, entry)
        if not candidates:
            return []
        marks = ",".join("?" * len(candidates))
        known = {
            row[0]
            for row in self.db.execute(
                f"select guid from stories where feed_id = ? and guid in ({marks}) "
                f"union select guid from story_sources where feed_id = ? and guid in ({marks})",
                [feed_id, *candidates, feed_id, *candidates],
            )
        }
        fresh = {ident: e for ident, e in candidates.items() if ident not in known}
        if not fresh:
            return []
        recent = self._recent_headlines(now)
        canonicals = {ident: canonical_link(e.link) if e.link else "" for ident, e in fresh.items()}
        by_link = self._stories_by_canonical_link([c for c in canonicals.values() if c])
        new_ids: list[int] = []
        with self.db.atomic():
            for ident, entry in fresh.items():
                canonical = canonicals[ident]
                same = by_link.get(canonical) if canonical else None
                if same is None:
                    same = self._same_headline(entry.title, recent, now)
                if same is not None:
                    self.db.execute(
                        "insert or ignore into story_sources (story_id, feed_id, guid, link, "
                        "title, seen_at) values (?, ?, ?, ?, ?, ?)",
                        [same, feed_id, ident, entry.link or "", entry.title, now],
                    )
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
                recent.add(new_ids[-1], entry.title, now)
                if canonical:
                    by_link.setdefault(canonical, new_ids[-1])
        return self.stories_by_ids(new_ids)

    def _recent_headlines(self, now: float) -> HeadlineIndex:
        """The last day's headlines, kept in memory; rebuilt hourly to forget older ones."""
        cached = self._headlines
        if cached is not None and 0 <= now - cached[0] < 3600:
            return cached[1]
        index = HeadlineIndex()
        for story_id, title, seen in self.db.execute(
            "select id, title, first_seen from stories where first_seen >= ?",
            [now - WINDOW_SECONDS],
        ):
            index.add(int(story_id), str(title), float(seen))
        self._headlines = (now, index)
        return index

    def _stories_by_canonical_link(self, links: list[str]) -> dict[str, int]:
        """The first stored story for each of these canonical links, in one query."""
        found: dict[str, int] = {}
        for start in range(0, len(links), 500):
            chunk = links[start : start + 500]
            for link, story_id in self.db.execute(
                "select canonical_link, min(id) from stories where canonical_link in ({}) "
                "group by canonical_link".format(",".join("?" * len(chunk))),
                chunk,
            ):
                found[str(link)] = int(story_id)
        return found

    def _same_headline(self, title: str, recent: HeadlineIndex, now: float) -> int | None:
        """A story first seen within the window whose headline tells the same story."""
        found = recent.find(title, since=now - WINDOW_SECONDS)
        # The index outlives transactions: trust it only for a story that is really stored.
        if found is not None and self._scalar("select 1 from stories where id = ?", [found]):
            return found
        return None

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
            self.db.execute(
                "delete from story_sources where story_id not in (select id from stories)"
            )
        return int(cursor.rowcount or 0)
