"""The same story linked two ways is one story."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.refresh.links import _PLAIN_LINK, _parsed_link, canonical_link


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a/b", "https://example.com/a/b"),
        ("http://example.com/a/b", "https://example.com/a/b"),
        ("HTTPS://Example.COM/a/B", "https://example.com/a/B"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("http://example.com:8080/a", "https://example.com:8080/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/a//", "https://example.com/a"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?UTM_Campaign=x&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=abc&gclid=def", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&page=2", "https://example.com/a?page=2"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?tag=z&x=1&tag=y", "https://example.com/a?tag=z&tag=y&x=1"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("http://[::1]:8080/a/", "https://[::1]:8080/a"),
        ("mailto:editor@example.com", "mailto:editor@example.com"),
        ("/relative/path", "/relative/path"),
        ("http://example.com:notaport/a", "http://example.com:notaport/a"),
    ],
)
def test_canonical_link(url: str, expected: str) -> None:
    assert canonical_link(url) == expected


def test_one_story_from_two_feeds_is_one_link() -> None:
    from_rss = "http://www.serambinews.com/2020/11/05/azerbaijan-klaim/?utm_source=rss#top"
    from_atom = "https://WWW.serambinews.com:443/2020/11/05/azerbaijan-klaim?utm_medium=atom"
    assert canonical_link(from_rss) == canonical_link(from_atom)


def test_canonical_link_is_idempotent() -> None:
    once = canonical_link("HTTP://Example.com:80/a/?z=1&utm_x=2&a=b#f")
    assert canonical_link(once) == once


LINK_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "host.example",
        "Host.Example",
        "a..b",
        ":80",
        ":8080",
        "user@",
        "[::1]",
        "/",
        "//",
        "/a",
        "/berita/2020/10/05/",
        "/é",
        "?",
        "&",
        "=",
        "utm_source=rss",
        "UTM_Medium=x",
        "fbclid=1",
        "%75tm_source=1",
        "id=7",
        "a+b=c",
        "#",
        "#top",
        " ",
        "\t",
        "\n",
        "\x00",
        "\xa0",
    ]
)


@settings(max_examples=2_000, deadline=None)
@given(st.lists(LINK_PIECES, max_size=12).map("".join))
def test_the_plain_link_shortcut_gives_what_urllib_gives(url: str) -> None:
    # The shortcut for common links must agree with the full parse on every link at all.
    assert canonical_link.__wrapped__(url) == _parsed_link(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://host1.example/feed1/story2?utm_source=rss",
        "http://berita.example/a/b/",
        "https://x.example",
    ],
)
def test_common_feed_links_take_the_shortcut(url: str) -> None:
    assert _PLAIN_LINK.fullmatch(url) is not None
    assert canonical_link.__wrapped__(url) == _parsed_link(url)
