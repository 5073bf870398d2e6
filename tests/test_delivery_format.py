"""What a chat reads: escaped, linked, within Telegram's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from alertbot.delivery.format import MAX_MESSAGE, format_alert, format_digest, format_headlines
from alertbot.models import Story


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
    messages = format_digest(items)
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
