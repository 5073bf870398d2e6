"""The database stops taking writes in the middle of a fan-out: nothing goes twice.

The real bot fans one story out to 60 chats; after 20 alerts the SQLite connection turns
read-only (`pragma query_only`: every write then fails with SQLite's own error, as on a
full disk or a read-only mount). Telegram already accepted the 20th alert: the bot must
neither lose that fact nor send anything it could not record. It pauses, `/healthz` says
503 with the reason, the admin hears it once; when the database takes writes again the
fan-out resumes by itself and the admin hears that once too.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import replace

import httpx

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.delivery.recorder import Recorder
from alertbot.devtools.fake_bot_api import FakeBotApi, links_of, text_of
from alertbot.models import Entry
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert, Store
from alertbot.telegram.services import bot_data

from .conftest import ADMIN

CHATS = range(3000, 3060)
BREAK_AT = 20


def break_writes_after(store: Store, n: int) -> list[int]:
    """From the n-th "sent" on, the connection refuses every write (SQLite's own error)."""
    calls: list[int] = []
    real = store.mark_sent

    def mark_sent(alert_ids: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == n:
            store.db.execute("pragma query_only = 1")
        real(alert_ids, **kwargs)  # type: ignore[arg-type]

    store.mark_sent = mark_sent  # type: ignore[method-assign]
    return calls


async def test_an_unwritable_outbox_pauses_sending_and_no_alert_goes_twice(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    app = build_application(replace(settings, metrics_port=0))
    async with running(app), httpx.AsyncClient(timeout=10) as http:
        data = bot_data(app)
        svc, health = data.services, data.health
        assert svc is not None and health is not None
        base = f"http://127.0.0.1:{health.port}"
        sender = svc.sender
        sender.recorder.retry_first, sender.recorder.retry_cap = 0.05, 0.2  # retry quickly
        assert isinstance(sender.recorder, Recorder)
        feed = svc.store.add_feed("https://news.example/rss", title="Kabar", interval=300)
        entry = Entry(guid="s1", link="https://news.example/1", title="Nagorno-Karabakh news")
        (story,) = add_stories(svc.store, feed.id, [entry])
        for chat in CHATS:
            svc.store.touch_chat(chat, "private")
        break_writes_after(svc.store, BREAK_AT)
        svc.store.enqueue_alerts(NewAlert(c, story.id, "Karabakh", "") for c in CHATS)
        sender.wake()

        await fake_api.wait_for(lambda: sender.problem is not None, what="the pause")
        assert "readonly database" in str(sender.problem)
        throttle = data.throttle
        await fake_api.wait_for(
            lambda: throttle.flood.overall.in_flight == 0, what="answers to what was in flight"
        )
        [notice] = await fake_api.wait_for_messages(ADMIN, 1)
        assert "Alerts paused" in text_of(notice) and "readonly database" in text_of(notice)
        healthz = await http.get(f"{base}/healthz")
        assert healthz.status_code == 503 and "cannot be written" in healthz.text

        def alerted() -> Counter[int]:
            return Counter(m.chat_id for m in fake_api.messages() if links_of(m) == [story.link])

        paused_at = sum(alerted().values())
        assert BREAK_AT <= paused_at < len(CHATS)
        await asyncio.sleep(1.0)  # several retries of the write fail meanwhile
        assert sum(alerted().values()) == paused_at  # nothing sent that could not be recorded

        svc.store.db.execute("pragma query_only = 0")  # the disk has room again
        await fake_api.wait_for(
            lambda: svc.store.stats()["alerts_pending"] == 0, timeout=30, what="the rest"
        )
        assert alerted() == Counter({c: 1 for c in CHATS})  # everyone once, nobody twice
        assert svc.store.stats()["alerts_sent"] == len(CHATS)
        assert sender.problem is None
        assert (await http.get(f"{base}/healthz")).status_code == 200
        notices = await fake_api.wait_for_messages(ADMIN, 2)
        assert len(notices) == 2 and "Alerts resumed" in text_of(notices[1])


async def test_an_outbox_that_cannot_be_read_pauses_and_recovers() -> None:
    recorder = Recorder()
    recorder.read_failed(sqlite3.OperationalError("disk I/O error"))
    assert recorder.problem == "the database cannot be read: disk I/O error"
    recorder.read_ok()
    assert recorder.problem is None
