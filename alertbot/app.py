"""Build the Application: handlers, jobs, and the services created in post_init.

`build_application` wires everything; `run_bot` runs it in the foreground (long polling or
webhook); `running` runs it inside an existing event loop (tests and the offline demo).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from .config import Settings
from .delivery.compose import Composer
from .delivery.limits import FloodControl, FloodLimits
from .delivery.sender import STOP_GRACE, Sender
from .delivery.throttle import FloodRateLimiter, Throttle
from .feeds.fetch import FetchOptions, make_client
from .jobs import add_starter_feeds, schedule_jobs
from .matching import Aliases
from .matching.subscriptions import SubscriptionIndex, Subscriptions
from .refresh import prework
from .refresh.batch import StoryLimits
from .refresh.imports import ImportLane
from .refresh.notices import HealthNotifier
from .refresh.poller import Poller
from .store import Store
from .telegram import (
    admin,
    channels,
    fallbacks,
    feed_admin,
    headlines,
    mute,
    opml_import,
    subscriber,
    topic_buttons,  # its routes serve the buttons on alerts and /topics
    welcome,
)
from .telegram.api_watch import ApiWatch, WatchedRequest
from .telegram.menus import publish_menus
from .telegram.processor import PerChatProcessor
from .telegram.services import CONTEXT_TYPES, Services, bot_data
from .web.health import HealthServer, Metrics
from .web.webhook import WebhookConfig

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
    # Every answer from Telegram is watched: getUpdates working, the token refused.
    watch = ApiWatch()
    # Chats are served at once, each in order; a flooding chat is cut short.
    processor = PerChatProcessor(
        commands_per_window=settings.max_commands_per_chat, on_update=watch.contact
    )
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(_file_base_url(settings.api_base_url))
        .request(WatchedRequest(watch, connection_pool_size=256))
        .get_updates_request(WatchedRequest(watch, connection_pool_size=1))
        .concurrent_updates(processor)
        .rate_limiter(FloodRateLimiter(throttle, max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    processor.is_running = lambda: app.running
    data = bot_data(app)
    data.settings = settings
    data.throttle = throttle
    data.api_watch = watch
    app.add_handler(TypeHandler(Update, fallbacks.track_chat), group=-1)
    commands = {
        **subscriber.HANDLERS,
        **headlines.HANDLERS,
        **admin.HANDLERS,
        **feed_admin.HANDLERS,
        **opml_import.HANDLERS,
        **mute.HANDLERS,
        **channels.HANDLERS,
    }
    for name, handler in commands.items():
        # /addfeed may wait for a slow server for the whole fetch deadline: not blocking
        # lets every other update be answered meanwhile.
        app.add_handler(CommandHandler(name, handler, block=name != "addfeed"))
    app.add_handler(feed_admin.document_handler())
    welcome.register(app)  # /start, /language, /timezone, /settings and every button
    app.add_handler(MessageHandler(filters.COMMAND, fallbacks.unknown_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, fallbacks.plain_text))
    app.add_error_handler(fallbacks.on_error)
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Open the database, build the topic index, start the sender and the poll tick."""
    data = bot_data(app)
    settings = data.settings
    assert settings is not None
    store = Store.open(settings.db_path)
    aliases = Aliases.load(settings.aliases_path, missing_ok=True)
    index = SubscriptionIndex.load(store.subscription_rows(), aliases)
    subscriptions = Subscriptions(store, index, aliases)
    options = FetchOptions(
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_feed_bytes,
        allow_private=settings.allow_private_urls,
    )
    http = make_client(options)
    sender = Sender(
        app.bot,
        store,
        throttle=data.throttle,
        digest_threshold=settings.digest_threshold,
        alert_expiry=settings.alert_expiry_hours * 3600,
        admin_ids=settings.admin_ids,
        on_chat_moved=lambda old_ids, new_id: subscriptions.chat_moved(old_ids, new_id),
        composer=Composer(
            store, default_zone=settings.timezone, keyboard=topic_buttons.alert_keyboard
        ),
    )
    notifier = HealthNotifier(app.bot, settings.admin_ids, texts_for=sender.composer.texts_for)
    data.health_notifier = notifier
    parse_pool = data.parse_pool = prework.parse_pool()
    poller = Poller(
        store=store,
        client=http,
        subscriptions=index,
        options=options,
        on_alerts=sender.wake,
        on_result=notifier,
        parse=parse_pool,
        limits=StoryLimits(
            max_new_per_refresh=settings.max_new_per_refresh,
            max_stories_per_feed=settings.max_stories_per_feed,
        ),
    )
    data.import_lane = ImportLane(settings.import_concurrency)
    data.services = Services(settings, store, subscriptions, http, options, sender, poller)
    add_starter_feeds(settings, store)
    data.sender_task = asyncio.create_task(sender.run(), name="sender")
    assert app.job_queue is not None
    schedule_jobs(app.job_queue, settings)
    if settings.metrics_port is not None:
        health = HealthServer(
            metrics=Metrics.create(store, poller, sender),
            poller=poller,
            sender_task=data.sender_task,
            tick_seconds=settings.tick_seconds,
            api_watch=data.api_watch,
            sender=sender,
        )
        web = data.web_server()
        web.listen_health(health, address=settings.metrics_listen, port=settings.metrics_port)
        data.health = health
        log.info("serving /healthz and /metrics on %s:%d", settings.metrics_listen, health.port)
    await publish_menus(app.bot, settings.admin_ids)
    log.info(
        "AlertBot started: %d feeds, %d subscriptions, database %s",
        store.count_feeds(),
        len(index),
        settings.db_path,
    )


async def _stop_sending(app: Application) -> None:  # type: ignore[type-arg]
    """Stop sending while the Telegram client is open: a message in flight is recorded."""
    data = bot_data(app)
    if data.services is None:
        return
    data.services.sender.stop()
    if data.sender_task is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(data.sender_task, timeout=STOP_GRACE + 1)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    data = bot_data(app)
    svc = data.services
    if svc is None:
        return
    lane, data.import_lane = data.import_lane, None
    if lane is not None:
        await lane.close()  # first: an import must never hold up the stop
    web, data.web = data.web, None
    if web is not None:
        await web.stop()
    await _stop_sending(app)  # done already under running(); not under PTB's run_polling
    await svc.poller.close()
    if data.health_notifier is not None:
        await data.health_notifier.close()
    parse_pool, data.parse_pool = data.parse_pool, None
    if parse_pool is not None:
        parse_pool.close()
    await svc.http.aclose()
    svc.store.close()
    log.info("AlertBot stopped")


def _flood_limits(settings: Settings) -> FloodLimits:
    return FloodLimits(
        overall_per_second=settings.max_messages_per_second,
        private_per_second=settings.max_per_chat_per_second,
        group_per_minute=settings.max_per_group_per_minute,
        max_in_flight=settings.max_in_flight,
    )


def _polling_failed(error: TelegramError) -> None:
    """A failed getUpdates (python-telegram-bot retries with back-off): one line, not the
    library's traceback per attempt."""
    reason = " ".join(str(error).split()) or type(error).__name__
    log.warning("getUpdates failed (%s: %s); retrying", type(error).__name__, reason)


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
        # Our own server (web/server.py), not the Updater's: it checks the secret and the
        # size before reading a body. Updates go to the queue the Updater would fill.
        await app.bot.set_webhook(
            url=webhook.webhook_url,
            secret_token=webhook.secret_token,
            allowed_updates=Update.ALL_TYPES,
        )
        bot_data(app).web_server().listen_webhook(
            app,
            address=webhook.listen,
            port=webhook.port,
            url_path=webhook.url_path,
            secret=webhook.secret_token,
        )
    else:
        await app.updater.start_polling(
            timeout=poll_timeout,
            poll_interval=0.0,
            drop_pending_updates=False,
            error_callback=_polling_failed,
        )
    await app.start()
    try:
        yield app
    finally:
        if webhook is not None:
            await bot_data(app).web_server().stop()  # no more updates in; /healthz stops with it
        if app.updater.running:
            # A refused token ended the polling task with InvalidToken: already reported.
            with contextlib.suppress(InvalidToken):
                await app.updater.stop()
        await _stop_sending(app)  # before app.shutdown() closes the Telegram client
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_bot(settings: Settings) -> int:
    """Foreground: long polling, or a webhook when ALERTBOT_WEBHOOK_URL is set; the exit
    status (see `runner`)."""
    from .runner import run

    return run(settings)
