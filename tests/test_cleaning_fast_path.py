"""The split fast path of HTML-to-text gives what html.parser gives, or steps aside.

`_split_text` reads simple markup with one `re.split`; `_parsed_text` runs html.parser.
Wherever the fast path answers, the two texts must be equal character for character (link
marks included: they decide which lines are related-link boxes). Generated markup mixes
what feeds send with what trips parsers up: stray "<", comments, scripts, odd whitespace.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.feeds.cleaning import _parsed_text, _split_text, html_to_text

from .helpers import seed_text

FEEDS = Path(__file__).parent / "fixtures" / "feeds"

SIMPLE_TAGS = [
    "<p>",
    "</p>",
    "<P>",
    "</P >",
    "<div class='lead'>",
    "</div>",
    "<br>",
    "<br/>",
    "<br />",
    "<li>",
    "</li>",
    "<h2 id=x>",
    "</h2>",
    '<a href="/other">',
    "<a href=/x/>",
    '<A HREF="https://e.example/?a=1&amp;b=2" target=_blank>',
    "</a>",
    "</A>",
    "<a/>",
    "<b>",
    "</b>",
    "<span/>",
    '<img src="x.jpg" alt="a > b"/>',
    "<noscript>",
    "</noscript>",
    "<template>",
    "</template>",
    "<hr>",
    "<td\nvalign=top>",
    "<input disabled>",
]
TEXTS = [
    "Baku",
    "kata dia.",
    "Nagorno–Karabakh",
    "Tom &amp; Jerry",
    "&nbsp;",
    "&#8211;",
    "&bogus;",
    "a & b",
    "&amp",
    " ",
    "  ",
    "\n",
    "\t",
    "\xa0",
    "\x0b",
    "\x1c",
    "\u2028",
    "\r\n",
    "Baca juga: ",
    "\x02",
    "\x03",
    "",
]
AWKWARD = [
    "<",
    "x < y",
    "<!-- a comment <p> -->",
    "<script>if (a<b) document.write('<p>')</script>",
    "<style>p { }</style>",
    "<title>t</title>",
    "<p\x0b>",
    "</p class=x>",
    "<a title='x<y'>",
    "<!DOCTYPE html>",
    "<?php ?>",
    "</>",
    "<p",
    '<a href="x"title="y">',
    "<br/ >",
]

simple_markup = st.lists(st.sampled_from(SIMPLE_TAGS + TEXTS), max_size=30).map("".join)
any_markup = st.lists(st.sampled_from(SIMPLE_TAGS + TEXTS + AWKWARD), max_size=30).map("".join)


@settings(max_examples=600, deadline=None)
@given(simple_markup)
def test_simple_markup_takes_the_fast_path_and_matches_html_parser(markup: str) -> None:
    markup = markup.replace("\x02", "").replace("\x03", "")  # as `_marked_text` does
    assert _split_text(markup) == _parsed_text(markup)


@settings(max_examples=600, deadline=None)
@given(any_markup)
def test_the_fast_path_matches_html_parser_or_steps_aside(markup: str) -> None:
    markup = markup.replace("\x02", "").replace("\x03", "")
    fast = _split_text(markup)
    assert fast is None or fast == _parsed_text(markup)


@pytest.mark.parametrize(
    "markup",
    [
        "x < y",
        "<!-- c --><p>a</p>",
        "<script>a<p>b</script>",
        "<p\x0b>x</p>",
        "<a title='x<y'>z</a>",
        "<p",
        "</p class=x>b",
    ],
)
def test_awkward_markup_is_left_to_html_parser(markup: str) -> None:
    assert _split_text(markup) is None
    assert html_to_text(markup) == _parsed_text(markup).translate({2: None, 3: None})


def corpus() -> list[str]:
    """Every summary and content of the fixture feeds, and the seed stories as paragraphs."""
    texts = []
    for path in sorted(p for p in FEEDS.rglob("*") if p.is_file()):
        for entry in feedparser.parse(path.read_bytes()).entries:
            texts.append(entry.get("summary") or "")
            texts += [c.get("value") or "" for c in entry.get("content") or ()]
    for seed in ("000", "001"):
        texts.append("".join(f"<p>{line}</p>" for line in seed_text(seed).splitlines()))
    return [t for t in texts if "<" in t]


def test_every_fixture_item_reads_the_same_either_way() -> None:
    texts = corpus()
    fast = [(text, _split_text(text)) for text in texts]
    assert len(texts) >= 15
    assert sum(result is not None for _, result in fast) > len(texts) / 2  # used, not skipped
    for text, result in fast:
        assert result is None or result == _parsed_text(text)
