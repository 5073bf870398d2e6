"""A per-feed cap on stored stories: the oldest of one feed go first."""

from __future__ import annotations

from ._base import StoreBase

__all__ = ["FeedCapMixin"]


class FeedCapMixin(StoreBase):
    def cap_feed_stories(self, feed_id: int, keep: int) -> int:
        """Delete this feed's oldest stories beyond the newest `keep` (stories with alerts
        still waiting are kept). Returns how many were deleted."""
        count = int(self._scalar("select count(*) from stories where feed_id = ?", [feed_id]))
        if count <= keep:
            return 0
        ids = [
            int(row[0])
            for row in self.db.execute(
                "select id from stories where feed_id = ? and id not in "
                "(select story_id from alerts where status = 'pending') "
                "order by first_seen, id limit ?",
                [feed_id, count - keep],
            )
        ]
        with self._atomic():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self.db.execute(f"delete from alerts where story_id in ({marks})", chunk)
                self.db.execute(f"delete from story_sources where story_id in ({marks})", chunk)
                self.db.execute(f"delete from stories where id in ({marks})", chunk)
        return len(ids)
