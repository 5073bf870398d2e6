"""What a reader would get from each fixture feed: titles, absolute links, clean text, UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertbot.feeds import parse as parse_module
from alertbot.feeds.parse import NotAFeed, parse_feed
from alertbot.models import Entry, ParsedFeed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
BASE = {
    "serambinews_rss.xml": "https://www.serambinews.com/rss/internasional.xml",
    "mingachevir_atom.xml": "https://berita.example/dunia/atom.xml",
}

# Every fixture in the folder, with what parse_feed makes of it: entry count, or the refusal.
OUTCOMES: dict[str, int | str] = {
    "serambinews_rss.xml": 3,
    "mingachevir_atom.xml": 2,
    "truncated.xml": 2,
    "wrong_encoding.xml": 1,
    "empty.xml": "not an RSS or Atom feed (the document is empty)",
    "html_page.html": "not an RSS or Atom feed (looks like an HTML page)",
    "not_a_feed.json": "not an RSS or Atom feed (looks like JSON; JSON Feed is not supported)",
}
FIXTURES = sorted(p.name for p in FEEDS.iterdir() if p.is_file())


def parse(name: str, content_type: str | None = None) -> ParsedFeed:
    base = BASE.get(name, f"https://feeds.example/{name}")
    return parse_feed((FEEDS / name).read_bytes(), base_url=base, content_type=content_type)


def test_every_fixture_has_an_expected_outcome() -> None:
    assert sorted(OUTCOMES) == FIXTURES


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_opens_with_a_comment_saying_what_it_exercises(name: str) -> None:
    text = (FEEDS / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        assert text.lstrip().startswith('{\n  "_comment": "')
        return
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1]
    assert text.lstrip().startswith("<!-- ")


@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/xml", "text/html"])
@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_outcome(name: str, content_type: str | None) -> None:
    expected = OUTCOMES[name]
    if isinstance(expected, str):
        with pytest.raises(NotAFeed) as caught:
            parse(name, content_type)
        assert str(caught.value) == expected
        return
    feed = parse(name, content_type)
    assert len(feed.entries) == expected
    for entry in feed.entries:
        assert entry.title and entry.title == entry.title.strip()
        assert "<" not in entry.title and "&amp;" not in entry.title
        assert entry.link is None or entry.link.startswith("https://")
        assert entry.published is None or entry.published.tzinfo is UTC
        assert "Baca juga" not in entry.content + entry.summary


def test_not_a_feed_is_a_value_error() -> None:
    assert issubclass(NotAFeed, ValueError)


def test_zero_bytes_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="the document is empty"):
        parse_feed(b"", base_url="https://feeds.example/x")


def test_plain_text_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="no <rss>, <feed> or <rdf:RDF> element"):
        parse_feed(b"Service temporarily unavailable", base_url="https://feeds.example/x")


# --- serambinews_rss.xml: seed 000 ---------------------------------------------------------


@pytest.fixture
def rss() -> ParsedFeed:
    return parse("serambinews_rss.xml", "application/rss+xml; charset=UTF-8")


@pytest.fixture
def seed_000(rss: ParsedFeed) -> Entry:
    return rss.entries[0]


def test_rss_feed_metadata(rss: ParsedFeed) -> None:
    assert rss.title == "Serambinews.com - Internasional"
    assert rss.link == "https://www.serambinews.com/internasional"
    assert rss.ttl_minutes == 15
    assert rss.bozo is None


def test_seed_000_headline_link_and_date(seed_000: Entry) -> None:
    assert seed_000.title == "Azerbaijan Klaim Tentara Armenia Akui Kekalahan"
    assert seed_000.guid == "serambinews-2020-11-05-azerbaijan-klaim"
    assert seed_000.link == (
        "https://www.serambinews.com/2020/11/05/azerbaijan-klaim-tentara-armenia-akui-kekalahan"
        "?utm_source=rss&utm_medium=feed"
    )
    assert seed_000.published == datetime(2020, 11, 5, 14, 15, tzinfo=UTC)  # 21:15 +0700


def test_seed_000_text_keeps_the_story_and_drops_the_related_links(seed_000: Entry) -> None:
    text = seed_000.content
    assert text.startswith("SERAMBINEWS.COM, BAKU - Tentara Armenia")
    assert text.endswith("tak dapat digunakan lagi.(AnadoluAgency)")
    assert len(text.splitlines()) == 8  # one line per <p> of the story
    assert "Presiden Ilham Aliyev" in text
    for unrelated in ("Baca juga", "India dan China", "Toilet", "Joe Biden", "Georgia", "Covid"):
        assert unrelated not in text
    assert seed_000.summary.startswith("Hingga saat ini, lebih dari 200 desa")


def test_relative_item_link_resolves_against_the_feed_url(rss: ParsedFeed) -> None:
    assert rss.entries[1].link == "https://www.serambinews.com/2020/11/05/harga-cabai-rawit-naik"


def test_untitled_item_gets_a_title_from_its_summary(rss: ParsedFeed) -> None:
    untitled = rss.entries[2]
    assert untitled.link is None
    assert untitled.guid == "serambinews-2020-11-04-pemadaman"
    assert untitled.summary == (
        "Pemadaman listrik bergilir diumumkan untuk wilayah Lhokseumawe & sekitarnya mulai "
        "pekan depan, menurut PLN setempat."
    )
    assert untitled.title == (
        "Pemadaman listrik bergilir diumumkan untuk wilayah Lhokseumawe & sekitarnya…"
    )
    assert len(untitled.title) <= 81


# --- mingachevir_atom.xml: seed 001 --------------------------------------------------------


@pytest.fixture
def atom() -> ParsedFeed:
    return parse("mingachevir_atom.xml", "application/atom+xml")


def test_seed_001_title_link_and_utc_date(atom: ParsedFeed) -> None:
    entry = atom.entries[0]
    assert atom.title == "Berita Dunia"
    assert entry.title == "Perang Terus Berkecamuk, Armenia Merudal Kota Mingachevir Azerbaijan"
    assert entry.guid == "tag:berita.example,2020-10-05:mingachevir"
    # Relative href, resolved against the entry's xml:base.
    assert entry.link == (
        "https://berita.example/dunia/2020/10/05/perang-terus-berkecamuk-armenia-merudal-mingachevir"
    )
    assert entry.published == datetime(2020, 10, 5, 2, 30, tzinfo=UTC)  # 09:30 +07:00


def test_seed_001_keeps_the_en_dash_and_drops_the_furniture(atom: ParsedFeed) -> None:
    text = atom.entries[0].content
    assert "memperebutkan wilayah Nagorno–Karabakh terus berkecamuk" in text
    assert "mengakui Nagorno–Karabakh sebagai wilayah" in text  # from the &#8211; entity
    assert "Syarat–syarat" in text
    assert text.endswith('memulihkan integritas teritorial kami," paparnya.')
    lines = text.splitlines()
    assert len(lines) == 8
    for furniture in ("source", "0 Komentar", "close"):
        assert furniture not in lines
        assert not lines[-1].endswith(furniture)


def test_html_title_is_plain_text_and_updated_stands_in_for_published(atom: ParsedFeed) -> None:
    entry = atom.entries[1]
    assert entry.title == "Azerbaijan Tolak Mediasi Rusia"
    assert entry.link == "https://berita.example/dunia/2020/10/05/azerbaijan-tolak-mediasi"
    assert entry.summary == "Baku menyatakan belum membutuhkan penengah."
    assert entry.content == ""
    assert entry.published == datetime(2020, 10, 5, 3, 0, tzinfo=UTC)


# --- broken documents ----------------------------------------------------------------------


def test_truncated_feed_is_bozo_but_its_complete_items_are_kept() -> None:
    feed = parse("truncated.xml")
    assert feed.bozo is not None and "malformed XML at line" in feed.bozo
    assert [e.title for e in feed.entries] == [
        "Gencatan Senjata Kemanusiaan Kembali Dilanggar",
        "Pengungsi dari Stepanakert Tiba di Yerevan",
    ]
    assert feed.entries[0].guid == "https://kaukasus.example/2020/10/18/gencatan-senjata-dilanggar"
    assert "Nagorno–Karabakh" in feed.entries[0].summary


@pytest.mark.parametrize("content_type", [None, "text/xml", "text/xml; charset=windows-1251"])
def test_utf8_bytes_under_a_stale_legacy_declaration_read_as_utf8(content_type: str | None) -> None:
    feed = parse("wrong_encoding.xml", content_type)
    entry = feed.entries[0]
    assert feed.title == "Kabar Kaukasus – Dunia"
    assert entry.title == "Serangan Baru di Nagorno–Karabakh"
    assert entry.summary == "“Kami bertekad penuh,” kata Aliyev tentang Nagorno–Karabakh."
    assert feed.bozo == "declared as windows-1251 but the text is UTF-8; read as UTF-8"


def test_utf8_with_a_byte_order_mark_and_a_stale_declaration_reads_as_utf8() -> None:
    data = b"\xef\xbb\xbf" + (FEEDS / "wrong_encoding.xml").read_bytes()
    feed = parse_feed(data, base_url="https://kaukasus.example/rss")
    assert feed.entries[0].title == "Serangan Baru di Nagorno–Karabakh"


def test_legacy_bytes_declared_as_utf8_still_parse() -> None:
    data = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf\xe9</title>'
        "<item><title>Crème brûlée</title><link>https://x.example/1</link></item>"
        "</channel></rss>"
    ).encode("latin-1")
    feed = parse_feed(data, base_url="https://x.example/rss")
    assert feed.entries[0].title == "Crème brûlée"
    assert feed.bozo is not None and "utf-8" in feed.bozo


def test_correctly_declared_legacy_encoding_is_honoured() -> None:
    data = (
        '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel>'
        "<title>Новости</title><item><title>Карабах</title><guid>k1</guid></item>"
        "</channel></rss>"
    ).encode("windows-1251")
    feed = parse_feed(data, base_url="https://x.example/rss")
    assert feed.title == "Новости"
    assert feed.entries[0].title == "Карабах"
    assert feed.bozo is None


# --- small cases, built inline -------------------------------------------------------------


def rss_items(items: str, channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"{channel}{items}</channel></rss>"
    ).encode()


def test_items_without_guid_link_or_title_are_skipped() -> None:
    feed = parse_feed(
        rss_items(
            "<item><description>only words</description></item><item><title>A</title></item>"
        ),
        base_url="https://x.example/rss",
    )
    assert [(e.guid, e.link, e.title) for e in feed.entries] == [(None, None, "A")]


def test_guid_falls_back_to_the_link() -> None:
    feed = parse_feed(
        rss_items("<item><title>A</title><link>/a</link></item>"), base_url="https://x.example/r"
    )
    assert feed.entries[0].guid == feed.entries[0].link == "https://x.example/a"


def test_javascript_links_are_dropped() -> None:
    feed = parse_feed(
        rss_items("<item><title>A</title><link>javascript:alert(1)</link><guid>g</guid></item>"),
        base_url="https://x.example/r",
    )
    assert feed.entries[0].link is None


def test_untitled_item_without_text_is_untitled() -> None:
    feed = parse_feed(rss_items("<item><guid>g</guid></item>"), base_url="https://x.example/r")
    assert feed.entries[0].title == "(untitled)"


def test_longest_content_wins() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>f</id>
    <entry><id>e</id><title>E</title>
      <content type="text">short</content>
    </entry></feed>"""
    rss = rss_items(
        '<item xmlns:content="http://purl.org/rss/1.0/modules/content/"><title>E</title><guid>g</guid>'
        "<description>teaser</description>"
        "<content:encoded><![CDATA[<p>the full text</p><p>second paragraph</p>]]></content:encoded>"
        "</item>"
    )
    assert parse_feed(atom, base_url="https://x.example/a").entries[0].content == "short"
    entry = parse_feed(rss, base_url="https://x.example/r").entries[0]
    assert entry.summary == "teaser"
    assert entry.content == "the full text\nsecond paragraph"


@pytest.mark.parametrize(("ttl", "expected"), [("60", 60), (" 5 ", 5), ("0", None), ("soon", None)])
def test_ttl(ttl: str, expected: int | None) -> None:
    feed = parse_feed(rss_items("", f"<ttl>{ttl}</ttl>"), base_url="https://x.example/r")
    assert feed.ttl_minutes == expected
    assert feed.entries == ()


def test_feed_without_title_is_named_after_its_host() -> None:
    data = b'<rss version="2.0"><channel><item><title>A</title></item></channel></rss>'
    assert parse_feed(data, base_url="https://news.example/rss").title == "news.example"


def test_bad_dates_become_none() -> None:
    feed = parse_feed(
        rss_items("<item><title>A</title><pubDate>sometime last week</pubDate></item>"),
        base_url="https://x.example/r",
    )
    assert feed.entries[0].published is None


def test_content_that_repeats_the_summary_is_cleaned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    html = "<p>Gencatan senjata di <b>Nagorno–Karabakh</b> dilanggar.</p><p>Baca juga: Lain</p>"
    doc = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
        "<item><guid>g1</guid><title>Gencatan senjata</title><link>https://x.example/1</link>"
        f"<description><![CDATA[{html}]]></description>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item></channel></rss>"
    ).encode()
    cleaned: list[str] = []
    real_clean = parse_module.clean

    def counting_clean(text: str) -> str:
        cleaned.append(text)
        return real_clean(text)

    monkeypatch.setattr(parse_module, "clean", counting_clean)
    [entry] = parse_feed(doc, base_url="https://x.example/").entries
    assert entry.summary == entry.content == "Gencatan senjata di Nagorno–Karabakh dilanggar."
    assert len([t for t in cleaned if "Gencatan" in t]) == 1
