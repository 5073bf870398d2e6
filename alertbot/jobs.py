"""What runs on its own: the JobQueue's poll tick, daily prune and webhook heartbeat, and
the starter feeds a brand-new database is given."""

from __future__ import annotations

import logging
import time
import tomllib
from typing import Any

from telegram.ext import JobQueue

from .config import Settings
from .store import Store
from .telegram.api_watch import check_webhook
from .telegram.services import Context, services

__all__ = ["add_starter_feeds", "schedule_jobs"]

log = logging.getLogger(__name__)


def schedule_jobs(job_queue: JobQueue[Any], settings: Settings) -> None:
    """The repeating jobs; a tick that overran is not run twice to catch up."""
    job_queue.run_repeating(
        poll_tick,
        interval=settings.tick_seconds,
        first=0.0,
        name="poll-tick",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
    job_queue.run_repeating(prune, interval=86400, first=600, name="prune")
    if settings.webhook_url:
        job_queue.run_repeating(webhook_heartbeat, interval=60, first=5, name="webhook")


def add_starter_feeds(settings: Settings, store: Store) -> None:
    """On a brand-new database, poll the starter feeds from config/feeds.toml."""
    path = settings.starter_feeds_path
    if path is None or not path.exists() or store.count_feeds():
        return
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("feeds", []):
        url = entry["url"] if isinstance(entry, dict) else str(entry)
        title = entry.get("title", "") if isinstance(entry, dict) else ""
        store.add_feed(url, title=title, interval=settings.poll_interval)
    log.info("added %d starter feeds from %s", len(data.get("feeds", [])), path)


async def poll_tick(context: Context) -> None:
    services(context).poller.tick()


async def prune(context: Context) -> None:
    svc = services(context)
    removed = svc.store.prune_stories(time.time() - svc.settings.retention_days * 86400)
    if removed:
        log.info("pruned %d stories older than %d days", removed, svc.settings.retention_days)


async def webhook_heartbeat(context: Context) -> None:
    """Webhook mode: Telegram's view of delivering to us counts as contact, for /healthz."""
    watch = context.bot_data.api_watch
    if watch is not None:
        await check_webhook(context.bot, watch)
