"""`/healthz` and `/metrics` scraped from a running bot, and the health rules on their own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from alertbot.app import build_application, running
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi
from alertbot.devtools.feed_server import FeedServer
from alertbot.devtools.seed_feed import RssItem, load_seed_stories, rss_document, seed_item
from alertbot.telegram.services import Services
from alertbot.web.health import HealthServer, health_problem

from .helpers import ADMIN, T0, say
from .test_e2e_alerts import BACKLOG

READER = 77


@contextlib.asynccontextmanager
async def bot_with_metrics(settings: Settings) -> AsyncIterator[tuple[str, Services]]:
    app = build_application(replace(settings, metrics_port=0))
    async with running(app):
        health: HealthServer = app.bot_data.health
        yield f"http://127.0.0.1:{health.port}", app.bot_data.services


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, by name and labels (parsed by the client)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_healthz_and_metrics_of_a_working_bot(
    fake_api: FakeBotApi, feed_server: FeedServer, settings: Settings
) -> None:
    mingachevir = load_seed_stories()[1]
    item: RssItem = seed_item(mingachevir, link="https://news.example/m", published=T0)
    feed_server.set("/news.xml", rss_document([BACKLOG]))
    async with bot_with_metrics(settings) as (base, svc), httpx.AsyncClient(timeout=10) as http:
        assert "Following" in await say(fake_api, READER, "/subscribe Nagorno-Karabakh")
        assert "Added feed" in await say(
            fake_api, ADMIN, f"/addfeed {feed_server.url('/news.xml')}"
        )
        feed_server.set("/news.xml", rss_document([item, BACKLOG]))
        await fake_api.wait_for_messages(READER, 2, timeout=15)
        await fake_api.wait_for(lambda: svc.store.alert_counts()["sent"] == 1, what="alert sent")

        healthz = await http.get(f"{base}/healthz")
        assert (healthz.status_code, healthz.text) == (200, "ok\n")

        page = await http.get(f"{base}/metrics")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/plain")
        found = samples(page.text)
        assert found[("alertbot_feeds", (("state", "ok"),))] == 1
        assert found[("alertbot_feeds", (("state", "failing"),))] == 0
        assert found[("alertbot_stories", ())] == 2
        assert found[("alertbot_subscriptions", ())] == 1
        assert found[("alertbot_alerts", (("status", "sent"),))] == 1
        assert found[("alertbot_alerts", (("status", "pending"),))] == 0
        assert found[("alertbot_alerts", (("status", "failed"),))] == 0
        assert found[("alertbot_poll_seconds_count", ())] >= 1
        assert found[("alertbot_send_seconds_count", ())] >= 1
        assert found[("alertbot_last_tick_timestamp_seconds", ())] > 0


async def test_healthz_is_503_with_the_reason_when_the_sender_stops(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_with_metrics(settings) as (base, svc), httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{base}/healthz")).status_code == 200
        svc.sender.stop()
        for _ in range(100):
            answer = await http.get(f"{base}/healthz")
            if answer.status_code != 200:
                break
            await asyncio.sleep(0.05)
        assert (answer.status_code, answer.text) == (503, "sender is not running\n")


async def test_health_rules() -> None:
    alive: asyncio.Task[None] = asyncio.create_task(asyncio.sleep(10))
    done: asyncio.Task[None] = asyncio.create_task(asyncio.sleep(0))
    await done
    now = 1_000_000.0
    rules = {"tick_seconds": 1.0, "started": now - 5, "now": now}
    assert health_problem(sender_task=alive, last_tick=now - 1, **rules) is None
    assert health_problem(sender_task=done, last_tick=now - 1, **rules) == "sender is not running"
    assert health_problem(sender_task=None, last_tick=now - 1, **rules) == "sender is not running"
    stale = health_problem(sender_task=alive, last_tick=now - 200, **rules)
    assert stale == "no scheduler tick for 200 s"
    assert health_problem(sender_task=alive, last_tick=0, **rules) is None  # starting up
    never = {**rules, "started": now - 1000}
    assert health_problem(sender_task=alive, last_tick=0, **never) == "scheduler never ticked"
    alive.cancel()


async def test_telegram_health_rules() -> None:
    alive: asyncio.Task[None] = asyncio.create_task(asyncio.sleep(10))
    now = 1_000_000.0
    rules = {"sender_task": alive, "last_tick": now - 1, "tick_seconds": 1.0, "started": now - 5}
    assert health_problem(**rules, now=now, last_contact=now - 31) is None  # one long poll
    silent = health_problem(**rules, now=now, last_contact=now - 301)
    assert silent == "no update from Telegram (getUpdates or webhook) for 301 s"
    refused = health_problem(**rules, now=now, last_contact=now, token_refused="401 Unauthorized")
    assert refused == "Telegram refused the token (401 Unauthorized)"
    alive.cancel()


async def test_healthz_turns_503_when_telegram_refuses_the_token(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_with_metrics(settings) as (base, _), httpx.AsyncClient(timeout=10) as http:
        assert "AlertBot" in await say(fake_api, READER, "/start")
        assert (await http.get(f"{base}/healthz")).status_code == 200
        fake_api.revoke_token()
        answer = None
        async with asyncio.timeout(30):
            while answer is None or answer.status_code == 200:  # the next getUpdates sees it
                await asyncio.sleep(0.05)
                answer = await http.get(f"{base}/healthz")
        assert (answer.status_code, answer.text) == (
            503,
            "Telegram refused the token (401 Unauthorized)\n",
        )
