"""The scheduler tick: start a refresh for every due feed, concurrently within limits.

The tick itself runs on python-telegram-bot's JobQueue (APScheduler) and returns at once;
refreshes run as tasks so one slow feed never delays the next tick or the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import httpx

from ..feeds.fetch import FetchOptions
from ..feeds.logsafe import loggable
from ..feeds.parse_pool import FeedParser, parse_here
from ..matching.subscriptions import SubscriptionIndex
from ..models import Feed
from ..store import Store, now_ts
from .batch import DEFAULT_LIMITS
from .intake import RecentHeadlines
from .pipeline import RefreshResult, StoryLimits, refresh_feed

__all__ = ["Poller"]

log = logging.getLogger(__name__)


class Poller:
    def __init__(
        self,
        *,
        store: Store,
        client: httpx.AsyncClient,
        subscriptions: SubscriptionIndex,
        options: FetchOptions,
        on_alerts: Callable[[], None] = lambda: None,
        on_result: Callable[[Feed, RefreshResult], None] = lambda feed, result: None,
        max_concurrent: int = 50,
        per_host: int = 2,
        parse: FeedParser = parse_here,
        limits: StoryLimits = DEFAULT_LIMITS,
    ) -> None:
        self.store = store
        self.client = client
        self.subscriptions = subscriptions
        self.options = options
        self.on_alerts = on_alerts
        self.on_result = on_result
        self.parse = parse
        self.limits = limits
        # Feeds whose refresh crashed past the pipeline's own handling (the database
        # itself failing): not retried before this monotonic time, so never hot.
        self._not_before: dict[int, float] = {}
        self._global = asyncio.Semaphore(max_concurrent)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_host)
        )
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._headlines = RecentHeadlines()  # the day's headlines, for near-duplicates
        self.last_tick = 0.0
        self.observe_refresh: Callable[[float], None] = lambda seconds: None  # metrics hook

    def tick(self) -> int:
        """Start refreshes for the due feeds not already in flight; returns how many started."""
        self.last_tick = now_ts()
        started = 0
        for feed in self.store.due_feeds(limit=2000):
            if feed.id in self._in_flight:
                continue
            if self._not_before.get(feed.id, 0.0) > time.monotonic():
                continue
            self._not_before.pop(feed.id, None)
            task = asyncio.create_task(self._refresh(feed), name=f"refresh-{feed.id}")
            self._in_flight[feed.id] = task
            started += 1
        return started

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a global and a per-host permit while fetching `url` (polls, OPML imports)."""
        async with self._global, self._hosts[urlsplit(url).hostname or ""]:
            yield

    async def _refresh(self, feed: Feed) -> None:
        try:
            async with self.slot(feed.url):
                started = time.monotonic()
                result = await refresh_feed(
                    feed,
                    client=self.client,
                    store=self.store,
                    subscriptions=self.subscriptions,
                    options=self.options,
                    parse=self.parse,
                    limits=self.limits,
                    headlines=self._headlines,
                )
            self.observe_refresh(time.monotonic() - started)
            if result.alerts:
                self.on_alerts()
            self.on_result(feed, result)
        except Exception:  # a bug must not kill the scheduler: log it, retry after a wait
            log.exception("refresh of feed %s crashed", loggable(feed.url))
            self._not_before[feed.id] = time.monotonic() + max(60.0, float(feed.interval))
        finally:
            self._in_flight.pop(feed.id, None)

    async def wait_idle(self) -> None:
        """Wait for every refresh in flight (used by tests, the demo and shutdown)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def close(self) -> None:
        for task in self._in_flight.values():
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
