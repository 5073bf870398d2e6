"""Feed health: when admins hear about a feed (once failing, once recovered, once disabled),
what they read, and that a send error never escapes the poller's hook."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from alertbot.i18n import translator
from alertbot.models import Feed, FeedState, FeedUpdate
from alertbot.refresh.notices import HealthChange, HealthNotifier, health_change, health_message
from alertbot.refresh.pipeline import RefreshResult
from alertbot.store import Store
from alertbot.telegram.feed_admin import describe_feed, pack_messages

FAILING, RECOVERED, DISABLED = HealthChange.FAILING, HealthChange.RECOVERED, HealthChange.DISABLED


@pytest.mark.parametrize(
    ("before", "after", "disabled", "expected"),
    [
        (0, 0, False, None),  # healthy and staying so
        (0, 1, False, None),  # one blip is not news
        (1, 2, False, None),
        (2, 3, False, FAILING),  # the third error in a row: tell them, once
        (3, 4, False, None),  # ...and never again while it keeps failing
        (9, 10, False, None),
        (3, 0, False, RECOVERED),  # the success that ends a reported run
        (12, 0, False, RECOVERED),
        (2, 0, False, None),  # a run never reported recovers silently
        (1, 0, False, None),
        (0, 1, True, DISABLED),  # 410 Gone: tell them at once
        (5, 6, True, DISABLED),
    ],
)
def test_admins_hear_once_when_a_feed_fails_and_once_when_it_recovers(
    before: int, after: int, disabled: bool, expected: HealthChange | None
) -> None:
    assert health_change(before, after, disabled=disabled) == expected


def test_the_threshold_is_configurable() -> None:
    assert health_change(0, 1, threshold=1) == FAILING
    assert health_change(1, 0, threshold=1) == RECOVERED
    assert health_change(3, 4, threshold=5) is None
    assert health_change(4, 5, threshold=5) == FAILING


def feed(errors: int = 2, title: str = "Kabar <Kaukasus> & co", **kw: Any) -> Feed:
    return Feed(
        id=7,
        url="https://kaukasus.example/rss",
        title=title,
        interval=300,
        state=FeedState.FAILING,
        next_poll=datetime(2024, 1, 1, tzinfo=UTC),
        errors_in_row=errors,
        **kw,
    )


def test_messages_name_the_feed_and_the_error_escaped() -> None:
    failing = health_message(
        FAILING, feed(), RefreshResult(7, error="HTTP 500 <Internal>", errors_in_row=3)
    )
    assert "#7 <b>Kabar &lt;Kaukasus&gt; &amp; co</b> is failing: HTTP 500 &lt;Internal&gt;" in (
        failing
    )
    assert "3 errors in a row" in failing and "/pausefeed 7" in failing

    recovered = health_message(
        RECOVERED, feed(4, last_error="timed out after 20 s"), RefreshResult(7)
    )
    assert "recovered after 4 errors in a row (the last: timed out after 20 s)" in recovered

    gone = health_message(DISABLED, feed(0), RefreshResult(7, error="HTTP 410 Gone"))
    assert "is disabled: HTTP 410 Gone" in gone and "/resumefeed 7" in gone


def test_an_indonesian_admin_reads_the_notices_and_the_feed_list_in_indonesian() -> None:
    t = translator("id")
    failing = health_message(
        FAILING, feed(), RefreshResult(7, error="HTTP 500 <Internal>", errors_in_row=3), t
    )
    assert failing.startswith("🔴 Feed #7 <b>Kabar &lt;Kaukasus&gt; &amp; co</b> gagal: HTTP 500")
    assert "3 kesalahan berturut-turut" in failing and "/pausefeed 7" in failing
    recovered = health_message(RECOVERED, feed(1, last_error="timed out"), RefreshResult(7), t)
    assert "pulih setelah 1 kesalahan berturut-turut (yang terakhir: timed out)." in recovered
    seen = replace(feed(0), story_count=12, last_success=datetime(2024, 1, 1, 9, 0, tzinfo=UTC))
    shown = describe_feed(seen, now=datetime(2024, 1, 1, 12, 0, tzinfo=UTC).timestamp(), t=t)
    assert (
        "— gagal" in shown
        and "berita: 12 · tiap 5 menit · terakhir berhasil: 3.0 jam lalu" in shown
    )


class FakeBot:
    def __init__(self, fail_for: set[int] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail_for = fail_for or set()

    async def send_message(self, chat_id: int, text: str, *, parse_mode: str) -> object:
        if chat_id in self.fail_for:
            raise RuntimeError("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, text))
        return None


async def test_every_admin_is_told_and_one_blocked_admin_stops_nobody() -> None:
    bot = FakeBot(fail_for={10})
    notifier = HealthNotifier(bot, {30, 10, 20})
    notifier(feed(errors=2), RefreshResult(7, error="HTTP 500", errors_in_row=3))
    notifier(feed(errors=3), RefreshResult(7, error="HTTP 500", errors_in_row=4))  # silent
    await notifier.wait_idle()
    assert [chat for chat, _ in bot.sent] == [20, 30]
    assert all("is failing: HTTP 500" in text for _, text in bot.sent)

    notifier(feed(errors=4), RefreshResult(7, new_stories=2))
    await notifier.wait_idle()
    assert [chat for chat, _ in bot.sent] == [20, 30, 20, 30]
    assert "recovered" in bot.sent[-1][1]


async def test_no_admins_no_messages() -> None:
    bot = FakeBot()
    notifier = HealthNotifier(bot, ())
    notifier(feed(errors=2), RefreshResult(7, error="HTTP 500", errors_in_row=3))
    await notifier.wait_idle()
    assert bot.sent == []


# ---- what /feeds shows -----------------------------------------------------------------------

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW.timestamp() + seconds, UTC)


def test_a_failing_feed_shows_its_whole_health() -> None:
    shown = describe_feed(
        replace(
            feed(errors=4, last_error="HTTP 503 <Service Unavailable>"),
            story_count=12,
            last_success=at(-3 * 3600),
            last_error_at=at(-120),
            next_poll=at(480),
        ),
        now=NOW.timestamp(),
    )
    assert shown == (
        "🔴 <b>#7 Kabar &lt;Kaukasus&gt; &amp; co</b> — failing\n"
        "https://kaukasus.example/rss\n"
        "stories: 12 · every 5 min · last success: 3.0 h ago\n"
        "last error: HTTP 503 &lt;Service Unavailable&gt; (2 min ago) · errors in a row: 4\n"
        "next poll: in 8 min"
    )


def test_paused_and_new_feeds() -> None:
    paused = describe_feed(replace(feed(0), state=FeedState.PAUSED), now=NOW.timestamp())
    assert "— paused" in paused and "next poll" not in paused and "last error" not in paused
    new = describe_feed(replace(feed(0), state=FeedState.NEW, next_poll=NOW), now=NOW.timestamp())
    assert "last success: never" in new and "next poll: now" in new


def test_long_titles_and_urls_are_cut_before_escaping() -> None:
    shown = describe_feed(replace(feed(0), title="&" * 500, url="https://x.example/" + "a" * 900))
    assert len(shown) < 1000
    assert "&amp;" * 99 + "…" in shown and "&am…" not in shown


def test_pack_messages_keeps_blocks_whole_and_in_order() -> None:
    blocks = [f"block {n} " + "x" * 300 for n in range(40)]
    messages = pack_messages(blocks, limit=1000)
    assert all(len(m) <= 1000 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)
    assert len(messages) == 14  # three 310-character blocks fit in each 1,000
    assert pack_messages([]) == []
    assert pack_messages(["a", "b"], sep="\n") == ["a\nb"]


# ---- paused is a real state --------------------------------------------------------------------


def test_paused_feeds_are_not_due_and_resuming_makes_them_due_now(fresh_store: Store) -> None:
    ok = fresh_store.add_feed("https://ok.example/rss", interval=300, now=1000)
    failing = fresh_store.add_feed("https://failing.example/rss", interval=300, now=1000)
    fresh_store.update_feed(
        ok.id, FeedUpdate(state=FeedState.OK, last_success=1000, next_poll=1300)
    )
    fresh_store.update_feed(
        failing.id, FeedUpdate(state=FeedState.FAILING, errors_in_row=4, next_poll=9000)
    )
    for feed in (ok, failing):
        fresh_store.pause_feed(feed.id)
    assert fresh_store.due_feeds(now=10_000) == []

    fresh_store.resume_feed(ok.id, now=2000)
    fresh_store.resume_feed(failing.id, now=2000)
    due = {f.url: f for f in fresh_store.due_feeds(now=2000)}
    assert due["https://ok.example/rss"].state is FeedState.OK
    assert due["https://failing.example/rss"].state is FeedState.FAILING
    assert due["https://failing.example/rss"].errors_in_row == 4  # its record is kept


def test_a_pause_made_while_a_poll_was_in_flight_stands(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://ok.example/rss", interval=300)
    fresh_store.pause_feed(feed.id)  # the admin pauses; then the poll in flight finishes
    fresh_store.record_poll(
        feed.id, FeedUpdate(state=FeedState.OK, errors_in_row=0, last_success=5.0)
    )
    paused = fresh_store.get_feed(feed.id)
    assert paused is not None and paused.state is FeedState.PAUSED
    assert paused.last_success is not None  # the poll's outcome is still recorded
    fresh_store.record_poll(feed.id, FeedUpdate(state=FeedState.DISABLED))  # but a 410 wins
    gone = fresh_store.get_feed(feed.id)
    assert gone is not None and gone.state is FeedState.DISABLED
