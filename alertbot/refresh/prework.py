"""What the refresh works out from each entry alone, worked out ahead in the parse worker.

Storing and matching a feed's entries asks, per entry, for its canonical link
(`links.canonical_link`), its headline key (`dedupe.headline_key`) and the normal forms
its title and body are matched in (`normalise.searchable`): some 20 µs of CPU an entry,
from nothing but the entry, in the bot's one process that refreshes every feed. The parse
worker already holds the entries, on another core: it works these out too (`derive`) and
sends them with the feed; the bot's memos take them (`remember`) just before the refresh
asks, which then only looks them up. Pure functions both ways: a result missing (the
in-process parser, a memo that evicted it) is computed as before, never different.
"""

from __future__ import annotations

from ..feeds.parse_pool import ParsePool, default_workers
from ..matching.normalise import searchable, story_body
from ..models import ParsedFeed
from .dedupe import HeadlineKey, headline_key
from .links import canonical_link

__all__ = ["MAX_ENTRIES", "Derived", "derive", "parse_pool", "remember"]

# Entries past this many are left to the refresh (it keeps a few hundred of a feed's newest
# at most): a 100,000-item feed must not flood the bot's memos with work it never reads.
MAX_ENTRIES = 1_000

# Per entry, in the feed's order: the canonical link ("" without a link), the headline key,
# the title's and the body's searchable forms. The texts they are of are not sent back: the
# bot holds the entries, and a 600-byte body would cross the pipe twice more.
Derived = tuple[list[str], list[HeadlineKey], list[str], list[str]]


def derive(parsed: ParsedFeed) -> Derived:
    """In the parse worker: each entry's canonical link, headline key and match texts."""
    entries = parsed.entries[:MAX_ENTRIES]
    return (
        [canonical_link(e.link) if e.link else "" for e in entries],
        [headline_key(e.title) for e in entries],
        [searchable(e.title) for e in entries],
        [searchable(story_body(e.summary, e.content)) for e in entries],
    )


def remember(parsed: ParsedFeed, derived: Derived) -> None:
    """In the bot: hand the worker's results to the memos the refresh reads."""
    links, keys, titles, bodies = derived
    entries = parsed.entries[:MAX_ENTRIES]
    for entry, link, key, title, body in zip(entries, links, keys, titles, bodies, strict=True):
        if entry.link:
            canonical_link.remember(entry.link, link)
        headline_key.remember(entry.title, key)
        searchable.remember(entry.title, title)
        searchable.remember(story_body(entry.summary, entry.content), body)


def parse_pool(workers: int | None = None) -> ParsePool:
    """The bot's feed parser: processes (`default_workers()` unless told) that parse feeds
    and do their entries' prework."""
    return ParsePool(
        default_workers() if workers is None else workers, derive=derive, remember=remember
    )
