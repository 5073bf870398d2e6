"""The identity decision: new story, second source by link, or near-identical headline.

A table of (entries, what is known) → decisions, on the pure function; then the one thing
the glue adds: a headline index that outlived a rolled-back transaction is not trusted.
"""

from __future__ import annotations

import pytest

from alertbot.models import Entry
from alertbot.refresh.dedupe import HeadlineIndex
from alertbot.refresh.identity import (
    WINDOW_SECONDS,
    Known,
    NewStory,
    SecondSource,
    entry_identity,
    identify,
)
from alertbot.refresh.intake import RecentHeadlines, add_stories
from alertbot.store import Store

NOW = 100_000.0
TITLE = "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh"


def e(guid: str | None, title: str = TITLE, link: str | None = None) -> Entry:
    return Entry(guid=guid, link=link, title=title)


def headlines(*stories: tuple[int, str, float]) -> HeadlineIndex:
    index = HeadlineIndex()
    for story_id, title, seen in stories:
        index.add(story_id, title, seen)
    return index


def summary(decisions: list[NewStory | SecondSource]) -> list[tuple[str, str, object]]:
    """Each decision as (guid, what, of): 'new' or 'link'/'headline' and the story meant."""
    out: list[tuple[str, str, object]] = []
    for d in decisions:
        if isinstance(d, NewStory):
            out.append((d.guid, "new", d.canonical_link))
        else:
            of = d.of.guid if isinstance(d.of, NewStory) else d.of
            out.append((d.guid, d.by, of))
    return out


CASES = [
    pytest.param(
        [e("a", link="https://news.example/1?utm_source=rss")],
        Known(),
        [("a", "new", "https://news.example/1")],
        id="nothing known: new, with its canonical link",
    ),
    pytest.param(
        [e("a"), e("b", "Azerbaijan closes airspace over Ganja")],
        Known(guids=frozenset({"a"})),
        [("b", "new", "")],
        id="an identity this feed already gave is left out",
    ),
    pytest.param(
        [e("x", link="http://news.example/1/#top")],
        Known(by_link={"https://news.example/1": 7}),
        [("x", "link", 7)],
        id="a known canonical link: second source of that story",
    ),
    pytest.param(
        [e("x", TITLE + " - Reuters", "https://wire.example/9")],
        Known(headlines=headlines((3, TITLE, NOW - 3600))),
        [("x", "headline", 3)],
        id="a near-identical recent headline: second source",
    ),
    pytest.param(
        [e("x", TITLE, "https://wire.example/9")],
        Known(headlines=headlines((3, TITLE, NOW - WINDOW_SECONDS - 1))),
        [("x", "new", "https://wire.example/9")],
        id="the same headline first seen over a day ago: a new story",
    ),
    pytest.param(
        [e("x", "Live updates")],
        Known(headlines=headlines((3, "Live updates", NOW))),
        [("x", "new", "")],
        id="too generic a headline is never matched",
    ),
    pytest.param(
        [e("x", TITLE, "https://a.example/1")],
        Known(
            by_link={"https://a.example/1": 5},
            headlines=headlines((3, TITLE, NOW)),
        ),
        [("x", "link", 5)],
        id="the link is asked before the headline",
    ),
    pytest.param(
        [e("a", link="https://a.example/1"), e("b", "Other words", "https://a.example/1")],
        Known(),
        [("a", "new", "https://a.example/1"), ("b", "link", "a")],
        id="two entries of one batch with one link: the second is a source of the first",
    ),
    pytest.param(
        [e("a", link="https://a.example/1"), e("b", TITLE + " | BBC", "https://b.example/2")],
        Known(),
        [("a", "new", "https://a.example/1"), ("b", "headline", "a")],
        id="two near-identical headlines in one batch",
    ),
    pytest.param(
        [e("a", "First words here"), e("a", "Second words here")],
        Known(),
        [("a", "new", "")],
        id="a feed repeating an identity: the first entry counts",
    ),
    pytest.param(
        [e(None, link="https://a.example/1?utm_medium=x"), e(None, "No link at all")],
        Known(guids=frozenset({"https://a.example/1"})),
        [("title:No link at all", "new", "")],
        id="no guid: the canonical link, else the title, is the identity",
    ),
]


@pytest.mark.parametrize(("entries", "known", "expected"), CASES)
def test_identify(
    entries: list[Entry], known: Known, expected: list[tuple[str, str, object]]
) -> None:
    assert summary(identify(entries, known, now=NOW)) == expected


def test_identify_changes_nothing_it_is_given() -> None:
    index = headlines((3, "Azerbaijan closes airspace over Ganja", NOW))
    by_link = {"https://a.example/old": 1}
    known = Known(by_link=by_link, headlines=index)
    identify([e("a", link="https://a.example/1")], known, now=NOW)
    assert by_link == {"https://a.example/old": 1}
    assert len(index) == 1


def test_entry_identity_prefers_the_guid() -> None:
    assert entry_identity(e("g", link="https://a.example/1")) == "g"
    assert entry_identity(e(None, link="http://A.example/1/")) == "https://a.example/1"


def test_a_headline_index_that_outlived_a_rollback_is_not_trusted(fresh_store: Store) -> None:
    one = fresh_store.add_feed("https://f1.example/rss", interval=300)
    two = fresh_store.add_feed("https://f2.example/rss", interval=300)
    recent = RecentHeadlines()
    with pytest.raises(RuntimeError), fresh_store.transaction():
        add_stories(fresh_store, one.id, [e("a", link="https://a.example/1")], now=NOW)
        add_stories(
            fresh_store, one.id, [e("z", "Unrelated words here")], headlines=recent, now=NOW
        )
        raise RuntimeError("rolled back")
    # The index saw story "a" inside the rolled-back transaction; it is gone now.
    stories = add_stories(
        fresh_store,
        two.id,
        [e("b", TITLE + " - AP", "https://b.example/2")],
        headlines=recent,
        now=NOW,
    )
    assert [s.guid for s in stories] == ["b"]
