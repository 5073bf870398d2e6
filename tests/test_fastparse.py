"""The fast path and feedparser, run on the same inputs, give the same entries.

Every fixture feed (tests/fixtures/feeds and its shapes/ folder of real-world-shaped
feeds) and hypothesis-generated feeds go through both; where the fast path accepts a
document, the ParsedFeed must be equal field for field (count, guid, link, title, UTC
dates, cleaned text, feed title, link, ttl). parse_feed's dispatch is tested too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertbot.feeds import parse as parse_module
from alertbot.feeds.fastparse import Refused, parse_fast
from alertbot.feeds.parse import NotAFeed, parse_fast_path, parse_feed, parse_with_feedparser
from alertbot.models import ParsedFeed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SHAPES = FEEDS / "shapes"
ALL = sorted(p for folder in (FEEDS, SHAPES) for p in folder.iterdir() if p.is_file())

# The fixtures the fast path takes; every other one it refuses (and feedparser reads).
FAST = {
    "serambinews_rss.xml",
    "mingachevir_atom.xml",
    "wordpress_rss.xml",
    "relative_guids_rss.xml",
    "xml_base_atom.xml",
    "rdf_rss10.xml",
    "entities_rss.xml",
    "dates_rss.xml",
    "media_rss.xml",
    "media_group_rss.xml",
    "youtube_atom.xml",
    "bom_utf8_rss.xml",
}


def base_for(path: Path) -> str:
    return f"https://host.example/feeds/{path.name}"


def slow(data: bytes, base: str, content_type: str | None = None) -> ParsedFeed | str:
    try:
        return parse_with_feedparser(data, base_url=base, content_type=content_type)
    except NotAFeed as exc:
        return str(exc)


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
@pytest.mark.parametrize("content_type", [None, "application/rss+xml; charset=utf-8"])
def test_fast_path_agrees_with_feedparser_or_refuses(path: Path, content_type: str | None) -> None:
    data = path.read_bytes()
    if path.name not in FAST:
        with pytest.raises(Refused):
            parse_fast_path(data, base_url=base_for(path), content_type=content_type)
        return
    fast = parse_fast_path(data, base_url=base_for(path), content_type=content_type)
    assert fast == slow(data, base_for(path), content_type)
    assert fast.entries  # the fixture exercises entries, not just a channel


@pytest.mark.parametrize("name", sorted(FAST))
def test_fast_fixtures_exist(name: str) -> None:
    assert name in {p.name for p in ALL}


@pytest.mark.parametrize("path", sorted(SHAPES.iterdir()), ids=lambda p: p.name)
def test_every_shape_fixture_opens_with_a_comment(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1]
    assert text.lstrip().startswith("<!-- ")


def test_relative_guids_keep_feedparsers_identity() -> None:
    """A stored story's identity must not change with the parser: g1 -> https://host/g1."""
    path = SHAPES / "relative_guids_rss.xml"
    feed = parse_feed(path.read_bytes(), base_url="https://relative.example/rss")
    guids = [e.guid for e in feed.entries]
    assert guids == [
        "https://relative.example/news/g1",
        "https://relative.example/stories/g2",
        "g3",
        "https://other.example/base/g4",
        "https://relative.example/up/g5",
        "https://relative.example/g6",
    ]
    assert feed.entries[0].link == "https://relative.example/news/g1"  # the guid stands in
    assert feed.entries[5].link == "https://relative.example/x6"  # a real link wins
    assert feed.ttl_minutes == 30


def test_dates_are_utc_as_feedparser_reads_them() -> None:
    feed = parse_fast_path((SHAPES / "dates_rss.xml").read_bytes(), base_url="https://d.example/")
    dates = {e.title: e.published for e in feed.entries}
    assert dates["EST"] == datetime(2020, 10, 18, 11, 0, tzinfo=UTC)
    assert dates["+0530"] == datetime(2020, 10, 18, 0, 30, tzinfo=UTC)
    assert dates["Both"] == datetime(2020, 10, 18, 6, 0, tzinfo=UTC)  # pubDate before dc:date
    assert dates["Unreadable"] is None and dates["Empty"] is None


# --- safety: what the fast path never reads ----------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
]><rss version="2.0"><channel><title>&h;</title>
<item><title>x</title><guid>https://b.example/1</guid></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>T</title>
<item><title>&x;</title><guid>https://b.example/1</guid></item></channel></rss>"""
UNDECLARED_ENTITY = b"""<rss version="2.0"><channel><title>T&nbsp;</title>
<item><title>x</title><guid>https://b.example/1</guid></item></channel></rss>"""


@pytest.mark.parametrize("data", [BOMB, XXE, UNDECLARED_ENTITY], ids=["bomb", "xxe", "entity"])
def test_dtds_and_entities_are_refused_and_feedparser_stays_safe(data: bytes) -> None:
    with pytest.raises(Refused):
        parse_fast(data, base_url="https://b.example/")
    feed = parse_feed(data, base_url="https://b.example/")
    assert len(feed.title) < 100  # no entity expansion
    assert all("root:" not in e.title for e in feed.entries)  # no file read


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"/>', None),
        (
            b'<rss version="2.0"><channel><title>T</title></channel></rss>',
            "text/xml; charset=koi8-r",
        ),
        (b'<rss version="2.0"><channel><title>Caf\xe9</title></channel></rss>', None),
        (b'<rss version="0.91"><channel><title>T</title></channel></rss>', None),
        (b'<feed xmlns="http://purl.org/atom/ns#"><title>Atom 0.3</title></feed>', None),
        (b'<rss version="2.0"><channel><x:y xmlns:x="urn:x"/></channel></rss>', None),
        (b'<rss version="2.0"><channel><item><title><b>x</b></title></item></channel></rss>', None),
        (
            b'<rss version="2.0"><channel><item><summary>s</summary></item><foo/></channel></rss>',
            None,
        ),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom" '
            b'xmlns:dc="http://www.youtube.com/xml/schemas/2015">'
            b"<entry><dc:title>x</dc:title></entry></feed>",
            None,
        ),
    ],
    ids=[
        "legacy-decl",
        "legacy-header",
        "not-utf8",
        "rss091",
        "atom03",
        "unknown-ns",
        "markup",
        "unknown",
        "yt-as-dc",
    ],
)
def test_what_the_fast_path_refuses(data: bytes, content_type: str | None) -> None:
    with pytest.raises(Refused):
        parse_fast(data, base_url="https://r.example/", content_type=content_type)


# --- the dispatch in parse_feed ------------------------------------------------------------


def test_a_feed_the_parsers_disagree_on_goes_to_feedparser_from_then_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (FEEDS / "serambinews_rss.xml").read_bytes()
    url = "https://www.serambinews.com/rss/internasional.xml"
    truth = parse_with_feedparser(data, base_url=url)
    wrong = ParsedFeed(title="wrong", link=None, entries=())
    monkeypatch.setattr(parse_module, "CHECK_EVERY", 1)
    monkeypatch.setattr(parse_module, "DISAGREED", set())
    monkeypatch.setattr(parse_module, "parse_fast_path", lambda *a, **k: wrong)
    assert parse_feed(data, base_url=url) == truth
    assert url in parse_module.DISAGREED

    def never(*args: object, **kwargs: object) -> ParsedFeed:
        raise AssertionError("the fast path was tried again")

    monkeypatch.setattr(parse_module, "parse_fast_path", never)
    assert parse_feed(data, base_url=url) == truth


def test_a_fast_path_crash_falls_back_to_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object, **kwargs: object) -> ParsedFeed:
        raise KeyError("a bug")

    monkeypatch.setattr(parse_module, "DISAGREED", set())
    monkeypatch.setattr(parse_module, "parse_fast_path", crash)
    data = (SHAPES / "wordpress_rss.xml").read_bytes()
    url = "https://kabar.example/feed/"
    assert parse_feed(data, base_url=url) == parse_with_feedparser(data, base_url=url)
    assert url in parse_module.DISAGREED


def test_a_checked_fast_parse_that_agrees_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "CHECK_EVERY", 1)
    monkeypatch.setattr(parse_module, "DISAGREED", set())
    data = (SHAPES / "wordpress_rss.xml").read_bytes()
    assert parse_feed(data, base_url="https://kabar.example/feed/").entries
    assert not parse_module.DISAGREED


def test_refused_documents_still_parse_with_feedparser() -> None:
    feed = parse_feed((SHAPES / "latin1_rss.xml").read_bytes(), base_url="https://l.example/")
    assert feed.entries[0].title == "Crème brûlée"
    with pytest.raises(NotAFeed):
        parse_feed(b"<html><body>hi</body></html>", base_url="https://l.example/")


# --- hypothesis: generated feeds, both parsers ---------------------------------------------

TEXTS = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=40),
    st.sampled_from(
        [
            "",
            "  padded  ",
            "Tom & Jerry",
            "<p>html <b>bold</b></p>",
            "<b>x</b> &amp; y",
            "a &lt; b",
            "caf\u00e9 \u201cquoted\u201d \u2013 dash",
            "\u0096 C1 control",
            "\u00c3\u00a9 double-encoded",
            "Baca juga: other story",
            "line one\nline two",
            "<script>alert(1)</script>text",
            "&nbsp;entity&eacute;",
        ]
    ),
)
URLS = st.sampled_from(
    [
        "",
        "g1",
        "/abs/path",
        "../up",
        "https://x.example/a?b=1&c=2",
        "http://other.example/",
        "javascript:alert(1)",
        "tag:x.example,2020:1",
        "  https://x.example/spaced  ",
        "https://x.example/a#frag",
    ]
)
DATES = st.sampled_from(
    [
        "Sun, 18 Oct 2020 06:00:00 GMT",
        "Sun, 18 Oct 2020 06:00:00 +0700",
        "18 Oct 2020 06:00 EST",
        "2020-10-18T06:00:00Z",
        "2020-10-18T06:00:00.5+02:00",
        "2020-10-18",
        "not a date",
        "",
    ]
)
BASES = st.sampled_from([None, "https://base.example/dir/", "sub/", "ftp://bad.example/"])


def text_node(value: str, cdata: bool) -> str:
    if cdata and "]]>" not in value:
        return f"<![CDATA[{value}]]>"
    head, tail = value[: len(value) // 2], value[len(value) // 2 :]
    return escape(head) + ("<!-- a comment -->" if len(value) % 3 == 0 else "") + escape(tail)


def base_attr(base: str | None) -> str:
    return f" xml:base={quoteattr(base)}" if base is not None else ""


RSS_TAGS = "title link guid description encoded pubDate dcdate cat author comments enclosure media"
RSS_TAGS_LIST = RSS_TAGS.split(" ")


@st.composite
def media(draw: st.DrawFn, depth: int = 0) -> str:
    """media:title / media:description, alone or inside media:group and media:content."""
    kind = draw(st.sampled_from(["title", "description", "thumbnail", "group", "content"]))
    if kind in ("group", "content") and depth < 2:
        inner = "".join(draw(st.lists(media(depth + 1), max_size=4)))
        url = ' url="https://m.example/v.mp4"' if kind == "content" else ""
        return f"<media:{kind}{url}>{inner}</media:{kind}>"
    if kind in ("title", "description"):
        return f"<media:{kind}>{text_node(draw(TEXTS), draw(st.booleans()))}</media:{kind}>"
    return '<media:thumbnail url="https://m.example/t.jpg"/>'


@st.composite
def rss_item(draw: st.DrawFn) -> str:
    return f"<item{base_attr(draw(BASES))}>{draw(rss_children())}</item>"


@st.composite
def rss_children(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for tag in draw(
        st.lists(
            st.sampled_from(RSS_TAGS_LIST),
            max_size=8,
        )
    ):
        cdata = draw(st.booleans())
        if tag in ("link", "guid"):
            perma = draw(st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"']))
            attrs = (perma if tag == "guid" else "") + base_attr(draw(BASES))
            parts.append(f"<{tag}{attrs}>{escape(draw(URLS))}</{tag}>")
        elif tag in ("pubDate", "dcdate"):
            name = "dc:date" if tag == "dcdate" else tag
            parts.append(f"<{name}>{escape(draw(DATES))}</{name}>")
        elif tag == "encoded":
            parts.append(f"<content:encoded>{text_node(draw(TEXTS), cdata)}</content:encoded>")
        elif tag == "cat":
            parts.append(f"<category>{escape(draw(TEXTS))}</category>")
        elif tag == "media":
            parts.append(draw(media()))
        elif tag == "enclosure":
            parts.append(f'<enclosure url={quoteattr(draw(URLS))} type="audio/mpeg"/>')
        elif tag in ("author", "comments"):
            parts.append(f"<{tag}>{escape(draw(TEXTS))}</{tag}>")
        else:
            parts.append(f"<{tag}>{text_node(draw(TEXTS), cdata)}</{tag}>")
    return "".join(parts)


ATOM_TAGS = "title link id summary content published updated author category media"
ATOM_TAGS_LIST = ATOM_TAGS.split(" ")


@st.composite
def atom_entry(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for tag in draw(
        st.lists(
            st.sampled_from(ATOM_TAGS_LIST),
            max_size=8,
        )
    ):
        if tag == "link":
            rel = draw(st.sampled_from(["", ' rel="alternate"', ' rel="enclosure"', ' rel="self"']))
            kind = draw(st.sampled_from(["", ' type="text/html"', ' type="audio/mpeg"']))
            href = quoteattr(draw(URLS))
            parts.append(f"<link{rel}{kind} href={href}{base_attr(draw(BASES))}/>")
        elif tag in ("published", "updated"):
            parts.append(f"<{tag}>{escape(draw(DATES))}</{tag}>")
        elif tag == "id":
            parts.append(f"<id>{escape(draw(URLS))}</id>")
        elif tag == "media":
            parts.append(draw(media()))
        elif tag == "author":
            parts.append(f"<author><name>{escape(draw(TEXTS))}</name></author>")
        elif tag == "category":
            parts.append(f"<category term={quoteattr(draw(TEXTS))}/>")
        else:
            kind = draw(st.sampled_from(["", ' type="text"', ' type="html"']))
            body = text_node(draw(TEXTS), draw(st.booleans()))
            parts.append(f"<{tag}{kind}>{body}</{tag}>")
    return f"<entry{base_attr(draw(BASES))}>{''.join(parts)}</entry>"


MEDIA_NS = ' xmlns:media="http://search.yahoo.com/mrss/"'
CHANNEL_EXTRAS = [
    "<ttl>15</ttl>",
    "<ttl>soon</ttl>",
    "<description>About</description>",
    "<lastBuildDate>Sun, 18 Oct 2020 06:00:00 GMT</lastBuildDate>",
    "<image><url>https://i.example/i.png</url><title>Logo</title><link>/logo</link></image>",
    "<textInput><title>Search</title><name>q</name><link>/search</link></textInput>",
    '<atom:link rel="self" type="application/rss+xml" href="https://feeds.example/rss"/>',
    '<atom:link rel="alternate" href="/alternate"/>',
    "<language>id</language>",
    "<generator>WordPress</generator>",
]


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    title = text_node(draw(TEXTS), draw(st.booleans()))
    shape = draw(st.sampled_from(["rss", "atom", "rdf"]))
    if shape == "rdf":
        items = "".join(
            f"<item rdf:about={quoteattr(draw(URLS))}>{draw(rss_children())}</item>"
            for _ in range(draw(st.integers(0, 4)))
        )
        doc = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            f"{MEDIA_NS}>"
            f'<channel rdf:about="https://feeds.example/"><title>{title}</title></channel>'
            f"{items}</rdf:RDF>"
        )
    elif shape == "rss":
        items = "".join(draw(st.lists(rss_item(), max_size=5)))
        extras = "".join(draw(st.lists(st.sampled_from(CHANNEL_EXTRAS), max_size=4)))
        doc = (
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"'
            f"{MEDIA_NS}>"
            f"<channel{base_attr(draw(BASES))}>{extras}<title>{title}</title>"
            f"<link>{escape(draw(URLS))}</link>{items}</channel></rss>"
        )
    else:
        entries = "".join(draw(st.lists(atom_entry(), max_size=5)))
        doc = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"{MEDIA_NS}{base_attr(draw(BASES))}>'
            f"<title>{title}</title><id>{escape(draw(URLS))}</id>{entries}</feed>"
        )
    declaration = draw(st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>\n']))
    return (declaration + doc).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_feeds_parse_the_same_on_both_paths(data: bytes) -> None:
    base = "https://feeds.example/news/rss.xml"
    fast = parse_fast_path(data, base_url=base)  # every generated shape is one it knows
    assert fast == slow(data, base)


URL_PIECES = st.lists(
    st.sampled_from(
        [
            "http",
            "https",
            "HTTP",
            ":",
            "//",
            "/",
            "///",
            "host.example",
            "a",
            "b",
            ".",
            "..",
            "?",
            "#",
            "q=1",
            "&",
            ";p",
            "%20",
            " ",
            "\t",
            "[",
            "]",
            "é",
            "@",
            ":80",
            "x y",
            "",
        ]
    ),
    max_size=12,
)


@settings(max_examples=2000, deadline=None)
@given(URL_PIECES, st.sampled_from(["https://feeds.example/a/b", "http://h.example/"]))
def test_the_url_shortcut_joins_as_feedparser_does(pieces: list[str], base: str) -> None:
    from feedparser.urls import _urljoin

    from alertbot.feeds.fastparse import _join

    uri = "".join(pieces)
    _join.cache_clear()
    assert _join(base, uri) == _urljoin(base, uri)
    assert _join(base, "https://" + uri) == _urljoin(base, "https://" + uri)
    for link in (uri, "https://" + uri, "http://" + uri):
        assert parse_module._absolute(link, base) == absolute_as_before(link, base)


def absolute_as_before(link: str, base: str) -> str | None:
    """parse._absolute without its shortcut."""
    from urllib.parse import urljoin, urlsplit

    if not link.strip():
        return None
    try:
        url = urljoin(base, link.strip())
        return url if urlsplit(url).scheme in ("http", "https") else None
    except ValueError:
        return None


def test_a_broken_link_is_dropped_not_the_feed() -> None:
    data = b"""<rss version="2.0"><channel><title>T</title><item><title>A</title>
    <guid isPermaLink="false">a</guid><link>http://[broken</link></item></channel></rss>"""
    for parse in (parse_fast_path, parse_with_feedparser):
        entry = parse(data, base_url="https://x.example/").entries[0]
        assert (entry.title, entry.link) == ("A", None)
