"""Channels linked to the users who manage them from their private chat."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import StoreBase, now_ts


@dataclass(frozen=True)
class ChannelLink:
    channel_id: int
    user_id: int
    username: str  # without the "@"; how the user names the channel in commands


class ChannelsMixin(StoreBase):
    def link_channel(self, channel_id: int, user_id: int, username: str, title: str) -> None:
        """Remember that `user_id` manages the channel (the chat row is made or renamed)."""
        with self._atomic():
            self.db.execute(
                "insert into chats (id, type, title, active, created_at) "
                "values (?, 'channel', ?, 1, ?) "
                "on conflict(id) do update set type = 'channel', title = excluded.title, "
                "active = 1",
                [channel_id, title, now_ts()],
            )
            self.db.execute(
                "insert into channel_links (channel_id, user_id, username, created_at) "
                "values (?, ?, ?, ?) on conflict(channel_id, user_id) "
                "do update set username = excluded.username",
                [channel_id, user_id, username, now_ts()],
            )
            # A renamed channel: every manager's link follows the new name.
            self.db.execute(
                "update channel_links set username = ? where channel_id = ?",
                [username, channel_id],
            )

    def unlink_channel(self, channel_id: int, user_id: int) -> None:
        with self._atomic():
            self.db.execute(
                "delete from channel_links where channel_id = ? and user_id = ?",
                [channel_id, user_id],
            )

    def linked_channels(self, user_id: int) -> list[ChannelLink]:
        rows = self._rows(
            "select * from channel_links where user_id = ? order by username", [user_id]
        )
        return [ChannelLink(r["channel_id"], r["user_id"], r["username"]) for r in rows]

    def linked_channel(self, user_id: int, username: str) -> ChannelLink | None:
        """The user's channel named `username` (case does not matter, "@" optional)."""
        name = username.removeprefix("@").lower()
        return next((c for c in self.linked_channels(user_id) if c.username.lower() == name), None)
