"""The domain's data: small frozen dataclasses shared by every layer.

Nothing here does I/O; the store returns these, the pure core consumes them.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum, StrEnum
from typing import Final

__all__ = [
    "UNSET",
    "Alert",
    "AlertStatus",
    "Chat",
    "Entry",
    "Feed",
    "FeedState",
    "FeedUpdate",
    "ParsedFeed",
    "Story",
    "Subscription",
]


class FeedState(StrEnum):
    """What an admin sees in /feeds."""

    NEW = "new"  # added, first successful fetch not yet done (its stories are backlog)
    OK = "ok"
    FAILING = "failing"
    DISABLED = "disabled"  # 410 Gone (and feeds removed before "removed" existed)
    PAUSED = "paused"
    REMOVED = "removed"  # /removefeed: never polled, not listed; its stories stay searchable

    @property
    def retired(self) -> bool:
        """Not polled until an admin adds it again (/addfeed or an OPML import revive it)."""
        return self in (FeedState.DISABLED, FeedState.REMOVED)


class AlertStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"  # no longer news (Telegram unreachable for too long): never sent


@dataclass(frozen=True)
class Entry:
    """One feed item as parsed, before it is stored.

    `summary` and `content` are plain text (markup already removed);
    `link` is absolute; `published` is UTC or None.
    """

    guid: str | None
    link: str | None
    title: str
    summary: str = ""
    content: str = ""
    published: datetime | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A fetched document, parsed: the feed's own metadata and its entries."""

    title: str
    link: str | None
    entries: tuple[Entry, ...]
    ttl_minutes: int | None = None
    bozo: str | None = None  # feedparser's complaint, when the entries parsed anyway


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    title: str
    interval: int  # seconds between two polls when healthy
    state: FeedState
    next_poll: datetime
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    errors_in_row: int = 0
    added_at: datetime | None = None
    story_count: int = 0


class _Unset(Enum):
    UNSET = "unset"


UNSET: Final = _Unset.UNSET  # a FeedUpdate field left as it is (None means: clear it)


@dataclass(frozen=True)
class FeedUpdate:
    """What a poll, an admin or /addfeed changes on a feed; fields left UNSET stay as they are.

    Times are POSIX timestamps, as the store keeps them.
    """

    url: str | _Unset = UNSET
    title: str | _Unset = UNSET
    interval: int | _Unset = UNSET
    state: FeedState | _Unset = UNSET
    next_poll: float | _Unset = UNSET
    etag: str | _Unset | None = UNSET
    last_modified: str | _Unset | None = UNSET
    last_success: float | _Unset | None = UNSET
    last_error: str | _Unset | None = UNSET
    last_error_at: float | _Unset | None = UNSET
    errors_in_row: int | _Unset = UNSET
    body_hash: str | _Unset | None = UNSET  # of the body last parsed and stored

    def changes(self) -> dict[str, object]:
        """The fields set, by column name."""
        return {
            f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not UNSET
        }


@dataclass(frozen=True)
class Story:
    id: int
    feed_id: int
    guid: str
    link: str
    canonical_link: str
    title: str
    summary: str
    text: str
    published: datetime | None
    first_seen: datetime
    source: str = ""  # the feed's title, for display


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # "private", "group", "supergroup", "channel"
    title: str = ""
    active: bool = True
    muted_until: datetime | None = None


@dataclass(frozen=True)
class ChatPreferences:
    """A chat's choices (None: not chosen, use the default) and the language its Telegram
    app was last seen in ("en"/"id"), for messages that answer no one (alerts, digests)."""

    language: str | None = None
    timezone: str | None = None
    seen_language: str | None = None
    delivery: str | None = None  # "now" (None), "hourly" or "daily"
    daily_hour: int | None = None  # local hour of the daily digest (None: 8)
    quiet_start: int | None = None  # quiet hours, local (None: none)
    quiet_end: int | None = None
    previews: bool = False  # link previews under single alerts


@dataclass(frozen=True)
class Subscription:
    id: int
    chat_id: int
    topic: str  # as the user typed it
    normalised: str  # the query as understood
    created_at: datetime
    thread_id: int | None = None  # the forum thread it was made in (its alerts go there)
    muted_until: datetime | None = None  # "Mute this topic for a day": no alerts until then


@dataclass(frozen=True)
class Alert:
    id: int
    chat_id: int
    story_id: int
    status: AlertStatus
    attempts: int
    topic: str
    reason: str  # why it matched, e.g. 'matched “Artsakh” in the title'
    created_at: datetime
    sent_at: datetime | None = None
    extra_sources: tuple[str, ...] = field(default_factory=tuple)
    thread_id: int | None = None  # a forum thread of the chat, or None
    subscription_id: int | None = None  # the subscription that named it (its buttons)
