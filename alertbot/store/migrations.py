"""The schema, as numbered migrations applied in a transaction at open (sqlite-utils 4)."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

__all__ = ["MIGRATIONS"]

MIGRATIONS = Migrations("alertbot")


@MIGRATIONS()
def m001_feeds(db: Database) -> None:
    db.table("feeds").create(
        {
            "id": int,
            "url": str,
            "title": str,
            "interval": int,
            "state": str,
            "next_poll": float,
            "etag": str,
            "last_modified": str,
            "last_success": float,
            "last_error": str,
            "last_error_at": float,
            "errors_in_row": int,
            "added_at": float,
            "added_by": int,
        },
        pk="id",
        not_null={"url", "title", "interval", "state", "next_poll", "errors_in_row"},
        defaults={"title": "", "errors_in_row": 0},
    )
    db.table("feeds").create_index(["url"], unique=True)
    db.table("feeds").create_index(["state", "next_poll"])


@MIGRATIONS()
def m002_stories(db: Database) -> None:
    db.table("stories").create(
        {
            "id": int,
            "feed_id": int,
            "guid": str,
            "link": str,
            "canonical_link": str,
            "title": str,
            "summary": str,
            "text": str,
            "published": float,
            "first_seen": float,
        },
        pk="id",
        foreign_keys=[("feed_id", "feeds", "id")],
        not_null={"feed_id", "guid", "title", "first_seen"},
    )
    db.table("stories").create_index(["feed_id", "guid"], unique=True)
    db.table("stories").create_index(["canonical_link"])
    db.table("stories").create_index(["first_seen"])
    # Triggers keep the index in step with inserts, updates and pruning.
    db.table("stories").enable_fts(
        ["title", "summary", "text"],
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )


@MIGRATIONS()
def m003_chats_and_subscriptions(db: Database) -> None:
    db.table("chats").create(
        {
            "id": int,
            "type": str,
            "title": str,
            "active": int,
            "muted_until": float,
            "created_at": float,
        },
        pk="id",
        not_null={"type", "active"},
        defaults={"active": 1, "title": ""},
    )
    db.table("subscriptions").create(
        {
            "id": int,
            "chat_id": int,
            "topic": str,
            "normalised": str,
            "created_at": float,
        },
        pk="id",
        foreign_keys=[("chat_id", "chats", "id")],
        not_null={"chat_id", "topic", "normalised", "created_at"},
    )
    db.table("subscriptions").create_index(["chat_id", "normalised"], unique=True)


@MIGRATIONS()
def m004_alerts(db: Database) -> None:
    db.table("alerts").create(
        {
            "id": int,
            "chat_id": int,
            "story_id": int,
            "status": str,
            "attempts": int,
            "topic": str,
            "reason": str,
            "created_at": float,
            "next_attempt": float,
            "sent_at": float,
            "last_error": str,
        },
        pk="id",
        foreign_keys=[("story_id", "stories", "id")],
        not_null={"chat_id", "story_id", "status", "attempts", "created_at", "next_attempt"},
        defaults={"attempts": 0, "topic": "", "reason": ""},
    )
    # The once-per-chat guarantee lives in the schema, not only in the code.
    db.table("alerts").create_index(["chat_id", "story_id"], unique=True)
    db.table("alerts").create_index(["status", "next_attempt"])


@MIGRATIONS()
def m005_story_sources(db: Database) -> None:
    """Other feeds' copies of a story (same canonical link or near-identical headline)."""
    db.table("story_sources").create(
        {
            "id": int,
            "story_id": int,
            "feed_id": int,
            "guid": str,
            "link": str,
            "title": str,
            "seen_at": float,
        },
        pk="id",
        foreign_keys=[("story_id", "stories", "id"), ("feed_id", "feeds", "id")],
        not_null={"story_id", "feed_id", "guid", "seen_at"},
    )
    # A feed's copy is remembered once, and is never taken for a new story later.
    db.table("story_sources").create_index(["feed_id", "guid"], unique=True)
    db.table("story_sources").create_index(["story_id"])


@MIGRATIONS()
def m006_chat_preferences(db: Database) -> None:
    """Per-chat choices (language, time zone); a missing row or NULL means the default."""
    db.table("chat_preferences").create(
        {"chat_id": int, "language": str, "timezone": str, "updated_at": float},
        pk="chat_id",
    )


@MIGRATIONS()
def m007_feed_body_hash(db: Database) -> None:
    """The hash of the body last parsed: a 200 with the same bytes is not parsed again."""
    db.table("feeds").add_column("body_hash", str)


@MIGRATIONS()
def m008_story_words_and_newest(db: Database) -> None:
    """The topic engine's view of each story, full-text indexed, and the newest-first order.

    `stories_words` holds each story's normal form (see store/search.py), tokenised on spaces
    only: its tokens are exactly the engine's. Stories stored before are indexed here; later
    ones at the next search. Pruning a story removes its row (trigger).
    """
    from .search import words_of  # the store's search helpers need the schema, not vice versa

    db.execute(
        "create virtual table stories_words using fts5(words, tokenize = 'ascii', columnsize = 0)"
    )
    db.execute(
        "create trigger stories_words_ad after delete on stories begin "
        "delete from stories_words where rowid = old.id; end"
    )
    db.execute(
        "create index stories_newest on stories (coalesce(published, first_seen) desc, id desc)"
    )
    rows = db.execute("select id, title, summary, text from stories order by id").fetchall()
    db.conn.executemany(
        "insert into stories_words (rowid, words) values (?, ?)",
        [(i, words_of(t, s or "", x or "")) for i, t, s, x in rows],
    )


@MIGRATIONS()
def m011_channels_and_threads(db: Database) -> None:
    """Channels a user manages from the private chat, and forum threads alerts go to.

    A subscription made inside a forum thread keeps that thread's id; its alerts carry it.
    """
    db.table("channel_links").create(
        {"channel_id": int, "user_id": int, "username": str, "created_at": float},
        pk=("channel_id", "user_id"),
        not_null={"username", "created_at"},
    )
    db.table("channel_links").create_index(["user_id"])
    db.table("subscriptions").add_column("thread_id", int)
    db.table("alerts").add_column("thread_id", int)


@MIGRATIONS()
def m012_topic_mute_and_alert_buttons(db: Database) -> None:
    """A topic muted for a while; the subscription an alert came from (its buttons name it);
    the language a chat's Telegram app was seen in (alerts answer no one's message)."""
    db.table("subscriptions").add_column("muted_until", float)
    db.table("alerts").add_column("subscription_id", int)
    db.table("chat_preferences").add_column("seen_language", str)


@MIGRATIONS()
def m013_delivery_settings(db: Database) -> None:
    """/settings: digests (hourly, daily at a local hour), quiet hours, link previews."""
    table = db.table("chat_preferences")
    for column, kind in (
        ("delivery", str),
        ("daily_hour", int),
        ("quiet_start", int),
        ("quiet_end", int),
        ("previews", int),
    ):
        table.add_column(column, kind)


@MIGRATIONS()
def m014_drop_the_unused_story_fts(db: Database) -> None:
    """/search and /latest read `stories_words` (m008); the first full-text index, kept in
    step by triggers on every story stored, had no reader left and cost most of each insert."""
    db.table("stories").disable_fts()
