"""What a chat reads: escaped, linked, within Telegram's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from alertbot.delivery.format import MAX_MESSAGE, digest_parts, format_alert, format_headlines
from alertbot.i18n import resolve_locale
from alertbot.models import ChatPreferences, Story


def story(n: int = 1, **kw: object) -> Story:
    base: dict[str, object] = {
        "id": n,
        "feed_id": 1,
        "guid": f"g{n}",
        "link": f"https://news.example/{n}?a=1&b=2",
        "canonical_link": f"https://news.example/{n}",
        "title": "Perang Terus Berkecamuk, Armenia Merudal Kota Mingachevir Azerbaijan",
        "summary": "",
        "text": "",
        "published": datetime(2020, 10, 5, 14, 0, tzinfo=UTC),
        "first_seen": datetime(2020, 10, 5, 14, 5, tzinfo=UTC),
        "source": "Demo <News>",
    }
    base.update(kw)
    return Story(**base)  # type: ignore[arg-type]


def test_alert_has_topic_headline_link_source_time_and_reason() -> None:
    text = format_alert(
        story(), topic="Nagorno-Karabakh", reason="matched “Nagorno–Karabakh” in the text"
    )
    assert "<b>Nagorno-Karabakh</b>" in text
    assert '<a href="https://news.example/1?a=1&amp;b=2">Perang Terus Berkecamuk' in text
    assert "Demo &lt;News&gt;" in text
    assert "05 Oct 2020 14:00 UTC" in text
    assert "matched “Nagorno–Karabakh” in the text" in text


def test_hostile_titles_and_topics_are_escaped() -> None:
    text = format_alert(story(title="<b>x</b> & <script>"), topic="</b><a href='x'>")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "&lt;/b&gt;&lt;a href=&#x27;x&#x27;&gt;" in text


def test_huge_title_still_fits() -> None:
    text = format_alert(story(title="A" * 10_000), topic="T" * 5000, reason="r" * 5000)
    assert len(text) < MAX_MESSAGE


def test_digest_splits_below_the_limit_and_keeps_every_story() -> None:
    items = [(story(n, title=f"Headline {n} " + "x" * 250), "Armenia") for n in range(60)]
    messages = [text for text, _ in digest_parts(items)]
    assert len(messages) > 1
    assert all(len(m) <= MAX_MESSAGE for m in messages)
    joined = "".join(messages)
    assert all(f"Headline {n} " in joined for n in range(60))
    assert messages[0].startswith("📰 <b>60 new stories")


def test_headlines_are_numbered_links() -> None:
    text = format_headlines("Latest headlines", [story(1), story(2, title="Second")])
    assert text.splitlines()[0] == "<b>Latest headlines</b>"
    assert '1. <a href="https://news.example/1?a=1&amp;b=2">' in text
    assert '2. <a href="https://news.example/2?a=1&amp;b=2">Second</a>' in text


def test_alerts_and_digests_speak_the_readers_language_and_zone() -> None:
    reader = resolve_locale(ChatPreferences("id", "Asia/Makassar"), None, "UTC")
    text = format_alert(
        story(),
        topic="Armenia",
        reason="matched “Armenia” in the title",
        extra_sources=2,
        reader=reader,
    )
    assert "05 Okt 2020 22:00 WITA" in text  # 14:00 UTC in Makassar
    assert "+2 sumber" in text and "cocok dengan “Armenia” di judul" in text
    [(digest, count)] = digest_parts(
        [(story(1), "Armenia"), (story(2), "Armenia")],
        extra_sources={1: 1},
        note="selama obrolan ini dibisukan",
        reader=reader,
    )
    assert count == 2 and digest.startswith("📰 <b>2 berita baru untuk topik Anda</b>")
    assert "(+1 sumber)" in digest and "<i>selama obrolan ini dibisukan</i>" in digest
    english = digest_parts([(story(1), "Armenia")], extra_sources={1: 2})[0][0]
    assert english.startswith("📰 <b>1 new story for your topics</b>") and "(+2 sources)" in english
    headlines = format_headlines("Terbaru", [story(3)], reader, first=11)
    assert "11. <a href=" in headlines and "05 Okt 2020 22:00 WITA" in headlines
