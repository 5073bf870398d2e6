"""Feed lists travel between feed readers as OPML."""

from __future__ import annotations

import pytest

from alertbot.feeds.opml import OpmlError, parse_opml, to_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Kaukasus">
      <outline text="Serambinews" title="Serambinews - Internasional" type="rss"
               xmlUrl="https://www.serambinews.com/rss/internasional.xml"/>
      <outline text="Folder inside">
        <outline text="Berita Dunia" type="rss" xmlUrl=" https://berita.example/dunia/atom.xml "/>
      </outline>
    </outline>
    <outline text="No title attribute" xmlurl="https://kaukasus.example/rss"/>
    <outline text="Just a website" htmlUrl="https://example.com/"/>
    <outline xmlUrl="https://untitled.example/feed"/>
    <outline text="Duplicate" xmlUrl="https://www.serambinews.com/rss/internasional.xml"/>
  </body>
</opml>
"""


def test_nested_outlines_are_flattened_in_order() -> None:
    assert parse_opml(NESTED) == [
        ("https://www.serambinews.com/rss/internasional.xml", "Serambinews - Internasional"),
        ("https://berita.example/dunia/atom.xml", "Berita Dunia"),
        ("https://kaukasus.example/rss", "No title attribute"),
        ("https://untitled.example/feed", "https://untitled.example/feed"),
    ]


def test_round_trip_keeps_urls_titles_and_unicode() -> None:
    feeds = [
        ("https://berita.example/dunia/atom.xml", "Berita Dunia – Nagorno–Karabakh"),
        ("https://example.com/rss?a=1&b=2", 'Quotes "and" <brackets>'),
    ]
    data = to_opml(feeds, title="AlertBot feeds")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b"<title>AlertBot feeds</title>" in data
    assert parse_opml(data) == feeds


def test_an_empty_feed_list_is_valid_opml() -> None:
    assert parse_opml(to_opml([])) == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"this is not xml", "not valid XML"),
        (b"<opml><body><outline", "not valid XML"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "root element is <rss>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><opml><body>'
            b'<outline text="&lol;" xmlUrl="https://x.example/"/></body></opml>',
            "DOCTYPE or ENTITY",
        ),
        (
            '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x><opml/>'.encode("utf-16"),
            "DOCTYPE or ENTITY",
        ),
    ],
)
def test_garbage_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=reason):
        parse_opml(data)


def test_opml_error_is_a_value_error() -> None:
    assert issubclass(OpmlError, ValueError)
