"""`/healthz` and `/metrics` (Prometheus text format) on `ALERTBOT_METRICS_PORT`.

The server runs in the bot's own event loop (tornado, which python-telegram-bot's webhook
mode already brings), so the store is read on the thread that owns its connection. Counts
come from the database at scrape time; latencies are histograms fed by the poller and the
sender through their `observe_*` hooks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import tornado.httpserver
import tornado.netutil
import tornado.web
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from ..delivery.sender import Sender
from ..models import FeedState
from ..refresh.poller import Poller
from ..store import Store
from ..telegram.api_watch import ApiWatch

__all__ = ["HealthServer", "Metrics", "health_problem"]

log = logging.getLogger(__name__)

STARTUP_GRACE = 60.0  # seconds a fresh process is healthy before its first tick
# Long polling answers at least every 30 s: this long without getUpdates (or a webhook update)
# working means the bot hears nobody.
TELEGRAM_SILENCE = 300.0


class _StoreCollector:
    """Feeds by state, stories, chats, subscriptions and alerts, read at scrape time."""

    def __init__(self, store: Store, poller: Poller) -> None:
        self.store = store
        self.poller = poller

    def collect(self) -> Iterator[Metric]:
        stats = self.store.stats()
        feeds = GaugeMetricFamily("alertbot_feeds", "Feeds by state", labels=["state"])
        states = self.store.feed_states()
        for state in FeedState:
            feeds.add_metric([state.value], states.get(state.value, 0))
        yield feeds
        yield GaugeMetricFamily("alertbot_stories", "Stories stored", value=stats["stories"])
        yield GaugeMetricFamily(
            "alertbot_chats", "Chats that are active", value=stats["active_chats"]
        )
        yield GaugeMetricFamily(
            "alertbot_subscriptions", "Topic subscriptions", value=stats["subscriptions"]
        )
        alerts = GaugeMetricFamily(
            "alertbot_alerts", "Alerts in the outbox by status", labels=["status"]
        )
        for status in ("sent", "pending", "failed", "expired"):
            alerts.add_metric([status], stats[f"alerts_{status}"])
        yield alerts
        yield GaugeMetricFamily(
            "alertbot_last_tick_timestamp_seconds",
            "When the scheduler last looked for due feeds (Unix time)",
            value=self.poller.last_tick,
        )


@dataclass
class Metrics:
    """One registry per bot (tests run several bots in one process)."""

    registry: CollectorRegistry
    poll_seconds: Histogram
    send_seconds: Histogram

    @classmethod
    def create(cls, store: Store, poller: Poller, sender: Sender) -> Metrics:
        registry = CollectorRegistry()
        registry.register(_StoreCollector(store, poller))
        poll = Histogram(
            "alertbot_poll_seconds",
            "Time to refresh one feed: fetch, parse, store, match",
            registry=registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
        )
        send = Histogram(
            "alertbot_send_seconds",
            "Time for Telegram to accept one message",
            registry=registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        poller.observe_refresh = poll.observe
        sender.observe_send = send.observe
        return cls(registry, poll, send)


def health_problem(
    *,
    sender_task: asyncio.Task[None] | None,
    last_tick: float,
    tick_seconds: float,
    started: float,
    now: float,
    token_refused: str | None = None,
    last_contact: float | None = None,
) -> str | None:
    """Why the bot is unhealthy, or None. Pure, so the rules are tested directly."""
    if token_refused is not None:
        return f"Telegram refused the token ({token_refused})"
    if last_contact is not None and now - last_contact > TELEGRAM_SILENCE:
        return f"no update from Telegram (getUpdates or webhook) for {now - last_contact:.0f} s"
    if sender_task is None or sender_task.done():
        return "sender is not running"
    allowed = 3 * tick_seconds + 60
    if last_tick == 0:
        return None if now - started < STARTUP_GRACE + allowed else "scheduler never ticked"
    if now - last_tick > allowed:
        return f"no scheduler tick for {now - last_tick:.0f} s"
    return None


class _Healthz(tornado.web.RequestHandler):
    def initialize(self, server: HealthServer) -> None:
        self.server = server

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        problem = self.server.problem()
        if problem is None:
            self.finish("ok\n")
        else:
            self.set_status(503)
            self.finish(problem + "\n")


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, server: HealthServer) -> None:
        self.server = server

    def get(self) -> None:
        encoder, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.finish(encoder(self.server.metrics.registry))


class HealthServer:
    """Serves `/healthz` and `/metrics`; `port` is the bound port (useful with port 0)."""

    def __init__(
        self,
        *,
        metrics: Metrics,
        poller: Poller,
        sender_task: asyncio.Task[None] | None,
        tick_seconds: float,
        api_watch: ApiWatch | None = None,
        sender: Sender | None = None,
    ) -> None:
        self.sender = sender
        self.metrics = metrics
        self.api_watch = api_watch
        self.poller = poller
        self.sender_task = sender_task
        self.tick_seconds = tick_seconds
        self.started = time.time()
        self.port = 0

    def problem(self) -> str | None:
        if self.sender is not None and self.sender.problem is not None:
            return self.sender.problem  # e.g. "the database cannot be written: disk is full"
        return health_problem(
            sender_task=self.sender_task,
            last_tick=self.poller.last_tick,
            tick_seconds=self.tick_seconds,
            started=self.started,
            now=time.time(),
            token_refused=self.api_watch.refused if self.api_watch else None,
            last_contact=self.api_watch.last_contact if self.api_watch else None,
        )
