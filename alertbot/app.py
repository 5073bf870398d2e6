"""Build the Application: handlers, jobs, and the services created in post_init.

`build_application` wires everything; `run_bot` runs it in the foreground (long polling or
webhook); `running` runs it inside an existing event loop (tests and the offline demo).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import tomllib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from .config import Settings
from .delivery.limits import FloodControl, FloodLimits
from .delivery.sender import Sender
from .delivery.throttle import FloodRateLimiter, Throttle
from .feeds.fetch import FetchOptions, make_client
from .feeds.parse_pool import ParsePool, default_workers
from .matching import Aliases
from .matching.subscriptions import SubscriptionIndex
from .refresh.notices import HealthNotifier
from .refresh.poller import Poller
from .store import Store
from .telegram import admin, fallbacks, feed_admin, mute, subscriber
from .telegram.commands import COMMANDS
from .telegram.services import Services, services
from .web.health import HealthServer, start_health_server
from .web.webhook import WebhookConfig, webhook_config

__all__ = ["build_application", "run_bot", "running"]

log = logging.getLogger(__name__)


def _file_base_url(base_url: str) -> str:
    """python-telegram-bot wants the file URL too: '.../bot' becomes '.../file/bot'."""
    return base_url[: -len("bot")] + "file/bot" if base_url.endswith("bot") else base_url


def build_application(
    settings: Settings, *, flood_limits: FloodLimits | None = None
) -> Application:  # type: ignore[type-arg]
    token = settings.require_token()
    # One throttle for everything sent to chats: command replies go first, alerts after.
    throttle = Throttle(FloodControl(flood_limits or _flood_limits(settings)))
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(_file_base_url(settings.api_base_url))
        .rate_limiter(FloodRateLimiter(throttle, max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["throttle"] = throttle
    app.add_handler(TypeHandler(Update, fallbacks.track_chat), group=-1)
    commands = {**subscriber.HANDLERS, **admin.HANDLERS, **feed_admin.HANDLERS, **mute.HANDLERS}
    for name, handler in commands.items():
        # /addfeed may wait for a slow server for the whole fetch deadline: not blocking
        # lets every other update be answered meanwhile.
        app.add_handler(CommandHandler(name, handler, block=name != "addfeed"))
    app.add_handler(feed_admin.document_handler())
    app.add_handler(MessageHandler(filters.COMMAND, fallbacks.unknown_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, fallbacks.plain_text))
    app.add_error_handler(fallbacks.on_error)
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Open the database, build the topic index, start the sender and the poll tick."""
    settings: Settings = app.bot_data["settings"]
    store = Store.open(settings.db_path)
    aliases = _load_aliases(settings.aliases_path)
    index = SubscriptionIndex.build(store.all_subscriptions(), aliases)
    options = FetchOptions(
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_feed_bytes,
        allow_private=settings.allow_private_urls,
    )
    http = make_client(options)
    sender = Sender(
        app.bot,
        store,
        throttle=app.bot_data["throttle"],
        digest_threshold=settings.digest_threshold,
        alert_expiry=settings.alert_expiry_hours * 3600,
        admin_ids=settings.admin_ids,
        on_chat_moved=lambda old_ids, new_id: _follow_migration(store, index, old_ids, new_id),
    )
    notifier = HealthNotifier(app.bot, settings.admin_ids)
    app.bot_data["health_notifier"] = notifier
    parse_pool = app.bot_data["parse_pool"] = ParsePool(default_workers())
    poller = Poller(
        store=store,
        client=http,
        subscriptions=index,
        options=options,
        on_alerts=sender.wake,
        on_result=notifier,
        parse=parse_pool,
    )
    svc = Services(settings, store, index, aliases, http, options, sender, poller)
    app.bot_data["services"] = svc
    _add_starter_feeds(settings, store)
    app.bot_data["sender_task"] = asyncio.create_task(sender.run(), name="sender")
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        _poll_tick,
        interval=settings.tick_seconds,
        first=0.0,
        name="poll-tick",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
    app.job_queue.run_repeating(_prune, interval=86400, first=600, name="prune")
    if settings.metrics_port is not None:
        app.bot_data["health"] = start_health_server(
            store=store,
            poller=poller,
            sender=sender,
            sender_task=app.bot_data["sender_task"],
            tick_seconds=settings.tick_seconds,
            port=settings.metrics_port,
        )
    with contextlib.suppress(Exception):  # a cosmetic menu must not stop the start
        await app.bot.set_my_commands(
            [BotCommand(c.name, c.summary[:256]) for c in COMMANDS if not c.admin]
        )
    log.info(
        "AlertBot started: %d feeds, %d subscriptions, database %s",
        len(store.list_feeds()),
        len(index),
        settings.db_path,
    )


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    svc: Services | None = app.bot_data.get("services")
    if svc is None:
        return
    health: HealthServer | None = app.bot_data.pop("health", None)
    if health is not None:
        await health.stop()
    svc.sender.stop()
    task: asyncio.Task[None] | None = app.bot_data.get("sender_task")
    if task is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=5)
    await svc.poller.close()
    notifier: HealthNotifier | None = app.bot_data.get("health_notifier")
    if notifier is not None:
        await notifier.close()
    parse_pool: ParsePool | None = app.bot_data.pop("parse_pool", None)
    if parse_pool is not None:
        parse_pool.close()
    await svc.http.aclose()
    svc.store.close()
    log.info("AlertBot stopped")


def _load_aliases(path: Path) -> Aliases:
    if not path.exists():
        return Aliases.empty()
    return Aliases.load(path)


def _flood_limits(settings: Settings) -> FloodLimits:
    return FloodLimits(
        overall_per_second=settings.max_messages_per_second,
        private_per_second=settings.max_per_chat_per_second,
        group_per_minute=settings.max_per_group_per_minute,
        max_in_flight=settings.max_in_flight,
    )


def _follow_migration(
    store: Store, index: SubscriptionIndex, old_ids: Sequence[int], new_id: int
) -> None:
    """A group became a supergroup: its topics now alert the new chat id."""
    for subscription_id in old_ids:
        index.remove(subscription_id)
    for sub in store.chat_subscriptions(new_id):
        index.remove(sub.id)
        index.add(sub)


def _add_starter_feeds(settings: Settings, store: Store) -> None:
    """On a brand-new database, poll the starter feeds from config/feeds.toml."""
    path = settings.starter_feeds_path
    if path is None or not path.exists() or store.list_feeds():
        return
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("feeds", []):
        url = entry["url"] if isinstance(entry, dict) else str(entry)
        title = entry.get("title", "") if isinstance(entry, dict) else ""
        store.add_feed(url, title=title, interval=settings.poll_interval)
    log.info("added %d starter feeds from %s", len(data.get("feeds", [])), path)


async def _poll_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    services(context).poller.tick()


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    removed = svc.store.prune_stories(time.time() - svc.settings.retention_days * 86400)
    if removed:
        log.info("pruned %d stories older than %d days", removed, svc.settings.retention_days)


@contextlib.asynccontextmanager
async def running(
    app: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: int = 1,
    webhook: WebhookConfig | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run the bot inside the current event loop, the same sequence as `run_polling`."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    if webhook is not None:
        await app.updater.start_webhook(**webhook.kwargs())
    else:
        await app.updater.start_polling(
            timeout=poll_timeout, poll_interval=0.0, drop_pending_updates=False
        )
    await app.start()
    try:
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_bot(settings: Settings) -> None:
    """Foreground: long polling, or a webhook when ALERTBOT_WEBHOOK_URL is set."""
    app = build_application(settings)
    webhook = webhook_config(settings)
    if webhook is not None:
        app.run_webhook(**webhook.kwargs())
    else:
        app.run_polling(timeout=30, poll_interval=0.0)
