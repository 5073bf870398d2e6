"""Is this entry a new story, or one more source of a story already known? Pure.

The most important decision of a story's trip, kept away from SQL so it can be read and
tested alone (lemon24/reader's "decide" step). Given a feed's entries and what is known —
the identities this feed already gave, the stories by canonical link, the recent headlines —
`identify` returns one decision per entry worth storing:

- an identity (guid, else canonical link) this feed already gave: nothing (left out);
- the canonical link of a known story (`links.canonical_link`): a `SecondSource` of it;
- a near-identical headline first seen within `WINDOW_SECONDS` (`dedupe`): a `SecondSource`;
- otherwise a `NewStory`.

Entries of one batch are compared with each other too: the second of two copies in one
fetch is a `SecondSource` of the first (`of` is then that `NewStory`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..models import Entry
from .dedupe import WINDOW_SECONDS, HeadlineIndex
from .links import canonical_link

__all__ = [
    "WINDOW_SECONDS",
    "Decision",
    "Known",
    "NewStory",
    "SecondSource",
    "entry_identity",
    "identify",
    "identities",
]


@dataclass(frozen=True)
class Known:
    """What the database already holds, as far as one batch of entries needs it."""

    guids: frozenset[str] = frozenset()  # identities this feed already gave
    by_link: Mapping[str, int] = field(default_factory=dict)  # canonical link → story id
    headlines: HeadlineIndex | None = None  # headlines of the last WINDOW_SECONDS or more


@dataclass(frozen=True)
class NewStory:
    entry: Entry
    guid: str  # its identity inside the feed
    canonical_link: str  # "" when the entry has no link


@dataclass(frozen=True)
class SecondSource:
    """The entry tells a story already known: stored once, this feed recorded as a source."""

    entry: Entry
    guid: str
    of: int | NewStory  # a stored story's id, or a new story of the same batch
    by: Literal["link", "headline"]


Decision = NewStory | SecondSource


def entry_identity(entry: Entry) -> str:
    """A story's identity inside its feed: the guid, else the canonical link, else the title."""
    if entry.guid:
        return entry.guid
    if entry.link:
        return canonical_link(entry.link)
    return f"title:{entry.title}"


def identities(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Each identity once, with the first entry that has it (a feed repeating an item)."""
    found: dict[str, Entry] = {}
    for entry in entries:
        found.setdefault(entry_identity(entry), entry)
    return found


def identify(entries: Iterable[Entry], known: Known, *, now: float) -> list[Decision]:
    """Decide, entry by entry in feed order, what each one is (see the module docstring)."""
    since = now - WINDOW_SECONDS
    by_link: dict[str, int | NewStory] = dict(known.by_link)
    batch = HeadlineIndex()  # this batch's new headlines, keyed by position in `fresh`
    fresh: list[NewStory] = []
    decisions: list[Decision] = []
    for guid, entry in identities(entries).items():
        if guid in known.guids:
            continue
        link = canonical_link(entry.link) if entry.link else ""
        same = by_link.get(link) if link else None
        if same is not None:
            decisions.append(SecondSource(entry, guid, same, "link"))
            continue
        stored = known.headlines.find(entry.title, since=since) if known.headlines else None
        if stored is not None:
            decisions.append(SecondSource(entry, guid, stored, "headline"))
            continue
        twin = batch.find(entry.title)
        if twin is not None:
            decisions.append(SecondSource(entry, guid, fresh[twin], "headline"))
            continue
        story = NewStory(entry, guid, link)
        batch.add(len(fresh), entry.title)
        fresh.append(story)
        if link:
            by_link.setdefault(link, story)
        decisions.append(story)
    return decisions
