"""Feeds: what to poll, when, and how each feed is doing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..models import UNSET, Feed, FeedState, FeedUpdate
from ._base import StoreBase, now_ts, to_dt

_FEED_SQL = """
select feeds.*, (select count(*) from stories where stories.feed_id = feeds.id) as story_count
from feeds
"""


def _feed(row: dict[str, Any]) -> Feed:
    return Feed(
        id=row["id"],
        url=row["url"],
        title=row["title"] or "",
        interval=row["interval"],
        state=FeedState(row["state"]),
        next_poll=to_dt(row["next_poll"]),  # type: ignore[arg-type]
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_success=to_dt(row["last_success"]),
        last_error=row["last_error"],
        last_error_at=to_dt(row["last_error_at"]),
        errors_in_row=row["errors_in_row"] or 0,
        added_at=to_dt(row["added_at"]),
        story_count=row.get("story_count") or 0,
    )


class FeedsMixin(StoreBase):
    def add_feed(
        self,
        url: str,
        *,
        title: str = "",
        interval: int,
        added_by: int | None = None,
        now: float | None = None,
    ) -> Feed:
        """Store a new feed, due at once; its first successful poll is backlog."""
        now = now_ts() if now is None else now
        with self._atomic():
            feed_id = (
                self.db.table("feeds")
                .insert(
                    {
                        "url": url,
                        "title": title,
                        "interval": interval,
                        "state": FeedState.NEW.value,
                        "next_poll": now,
                        "errors_in_row": 0,
                        "added_at": now,
                        "added_by": added_by,
                    }
                )
                .last_pk
            )
        feed = self.get_feed(int(feed_id or 0))
        assert feed is not None
        return feed

    def get_feed(self, feed_id: int) -> Feed | None:
        rows = self._rows(_FEED_SQL + " where feeds.id = ?", [feed_id])
        return _feed(rows[0]) if rows else None

    def find_feed(self, url: str) -> Feed | None:
        rows = self._rows(_FEED_SQL + " where feeds.url = ?", [url])
        return _feed(rows[0]) if rows else None

    def list_feeds(self, *, removed: bool = False) -> list[Feed]:
        """Every feed, oldest first; those removed with /removefeed only if asked."""
        where = "" if removed else f" where feeds.state != '{FeedState.REMOVED.value}'"
        return [_feed(r) for r in self._rows(_FEED_SQL + where + " order by feeds.id")]

    def count_feeds(self) -> int:
        """len(list_feeds()) without reading every feed and counting its stories."""
        return int(
            self._scalar("select count(*) from feeds where state != ?", [FeedState.REMOVED.value])
        )

    def due_feeds(self, now: float | None = None, *, limit: int = 1000) -> list[Feed]:
        now = now_ts() if now is None else now
        rows = self._rows(
            "select feeds.*, 0 as story_count from feeds where state in (?, ?, ?) "
            "and next_poll <= ? order by next_poll limit ?",
            [FeedState.NEW.value, FeedState.OK.value, FeedState.FAILING.value, now, limit],
        )
        return [_feed(r) for r in rows]

    def feed_body_hash(self, feed_id: int) -> str | None:
        """The hash of the body last parsed and stored (`body_hash` in update_feed/record_poll)."""
        value = self._scalar("select body_hash from feeds where id = ?", [feed_id])
        return str(value) if value else None

    def update_feed(self, feed_id: int, update: FeedUpdate) -> None:
        """Write poll results (etag, next_poll, state, errors...) in one transaction."""
        changes = update.changes()
        if not changes:
            return
        if isinstance(changes.get("state"), FeedState):
            changes["state"] = str(changes["state"])
        # Plain SQL: sqlite-utils' update() reads the table's schema on every call (a poll's
        # record took 231 µs, now 61). The column names are FeedUpdate's fields, never input.
        columns = ", ".join(f"[{name}] = ?" for name in changes)
        with self._atomic():
            self.db.execute(
                f"update feeds set {columns} where id = ?",
                [*changes.values(), feed_id],
            )

    def record_poll(self, feed_id: int, update: FeedUpdate) -> None:
        """Like update_feed, for a poll's outcome: an admin's pause or removal made while the
        poll was in flight stands (only a 410's DISABLED overrides it)."""
        with self._atomic():
            current = self._scalar("select state from feeds where id = ?", [feed_id])
            held = current in (
                FeedState.PAUSED.value,
                FeedState.DISABLED.value,
                FeedState.REMOVED.value,
            )
            if held and update.state not in (UNSET, FeedState.DISABLED):
                update = replace(update, state=UNSET)
            self.update_feed(feed_id, update)

    def pause_feed(self, feed_id: int) -> None:
        """Stop polling a feed until it is resumed; its health record is kept."""
        self.update_feed(feed_id, FeedUpdate(state=FeedState.PAUSED))

    def resume_feed(self, feed_id: int, *, now: float | None = None) -> None:
        """Poll a paused (or disabled) feed again, starting now, in the state its record says."""
        feed = self.get_feed(feed_id)
        if feed is None:
            return
        if feed.errors_in_row:
            state = FeedState.FAILING
        else:
            state = FeedState.OK if feed.last_success else FeedState.NEW
        self.update_feed(
            feed_id, FeedUpdate(state=state, next_poll=now_ts() if now is None else now)
        )

    def remove_feed(self, feed_id: int) -> None:
        """Forget a feed: never polled, not listed; its stories stay searchable (and keep
        their source's name). /addfeed with its URL brings it back."""
        self.update_feed(feed_id, FeedUpdate(state=FeedState.REMOVED))

    def set_feed_interval(self, feed_id: int, seconds: int, *, now: float | None = None) -> Feed:
        """Poll the feed every `seconds`; a next poll further away than that comes sooner."""
        now = now_ts() if now is None else now
        feed = self.get_feed(feed_id)
        assert feed is not None
        next_poll = min(feed.next_poll.timestamp(), now + seconds)
        self.update_feed(feed_id, FeedUpdate(interval=seconds, next_poll=next_poll))
        updated = self.get_feed(feed_id)
        assert updated is not None
        return updated
