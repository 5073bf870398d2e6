"""Clean text for screens: bidi controls stripped, future dates clamped, bad character
references cost only themselves, and one runaway feed is capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alertbot.feeds import screen
from alertbot.feeds.parse import parse_feed, strip_bad_charrefs
from alertbot.models import Entry
from alertbot.refresh.batch import clamp_future, newest

RLO = "\u202e"


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>C</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def item(n: int, title: str, pub: str = "Mon, 05 Oct 2020 12:00:00 GMT") -> str:
    return (
        f"<item><guid>g{n}</guid><title>{title}</title><link>https://x.example/{n}</link>"
        f"<pubDate>{pub}</pubDate><description>{title}</description></item>"
    )


def test_bidi_and_control_characters_never_reach_a_screen() -> None:
    title = f"Invoice {RLO}gpj.exe\u2066 \u200f\u061c\x01done"
    parsed = parse_feed(rss(item(1, title)), base_url="https://x.example/")
    [entry] = parsed.entries
    assert entry.title == "Invoice gpj.exe done"
    assert entry.summary == "Invoice gpj.exe done"
    assert not any(0x202A <= ord(c) <= 0x202E for c in entry.title + entry.summary)


@given(
    st.text(
        alphabet=st.sampled_from(["a", " ", "é", "\t", "\n", "\xa0", *map(chr, screen._UNSHOWABLE)])
    )
)
def test_the_quick_check_takes_out_exactly_what_the_table_does(text: str) -> None:
    # The scan that skips most texts must never skip one that holds a character to drop.
    assert screen._showable(text) == text.translate(screen._UNSHOWABLE)


@pytest.mark.parametrize("bad", ["&#xDFFF;", "&#99999999;", "&#1;", "&#0;"])
def test_bad_character_references_cost_only_themselves(bad: str) -> None:
    doc = rss(*(item(n, f"Berita {n}{' ' + bad if n == 2 else ''}") for n in range(5)))
    parsed = parse_feed(doc, base_url="https://x.example/")
    assert [e.title for e in parsed.entries] == [f"Berita {n}" for n in range(5)]


def test_strip_bad_charrefs_keeps_good_ones() -> None:
    cleaned, removed = strip_bad_charrefs(b"a&#233;b&#xD800;c&#x41;&#1;")
    assert cleaned == b"a&#233;bc&#x41;" and removed == 2


def test_a_date_in_the_year_9999_is_clamped_to_first_seen() -> None:
    parsed = parse_feed(
        rss(item(1, "From the future", "Fri, 31 Dec 9999 23:59:59 GMT")),
        base_url="https://x.example/",
    )
    now = datetime(2026, 12, 2, tzinfo=UTC)
    [future] = parsed.entries
    assert future.published is not None and future.published.year == 9999
    past = Entry(guid="p", link=None, title="past", published=now - timedelta(days=1))
    assert clamp_future([future, past], now.timestamp()) == [
        Entry(**{**future.__dict__, "published": now}),
        past,
    ]


def test_newest_keeps_the_newest_in_feed_order() -> None:
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    entries = [
        Entry(guid=str(n), link=None, title=str(n), published=t0 + timedelta(minutes=m))
        for n, m in enumerate([5, 1, 9, 3, 7])
    ]
    kept, left_out = newest(entries, 3)
    assert [e.guid for e in kept] == ["0", "2", "4"] and left_out == 2
    undated = [Entry(guid=str(n), link=None, title=str(n)) for n in range(5)]
    assert newest(undated, 2) == (undated[:2], 3)
    assert newest(undated, 10) == (undated, 0)
