"""The typed context: what handlers and jobs reach through `context`, and nothing else.

python-telegram-bot keeps one `bot_data` per Application; `CONTEXT_TYPES` makes it a
`BotData` instead of a dict of string keys. `Services` (the collaborators every handler
needs) is created in post_init and closed at shutdown; the rest of `BotData` is what the
process itself holds (the throttle, the tasks and servers to stop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx
from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from ..config import Settings
from ..delivery.sender import Sender
from ..delivery.throttle import Throttle
from ..feeds.fetch import FetchOptions
from ..feeds.parse_pool import ParsePool
from ..matching import Aliases
from ..matching.subscriptions import SubscriptionIndex, Subscriptions
from ..refresh.notices import HealthNotifier
from ..refresh.poller import Poller
from ..store import Store
from ..store.search import StorySearch
from ..web.health import HealthServer
from ..web.server import WebServer
from .api_watch import ApiWatch

if TYPE_CHECKING:  # these import this module
    from ..refresh.imports import ImportLane
    from .welcome import SuggestedTopic

__all__ = [
    "CONTEXT_TYPES",
    "BotData",
    "Context",
    "Handler",
    "Services",
    "bot_data",
    "services",
]


@dataclass
class Services:
    settings: Settings
    store: Store
    subscriptions: Subscriptions  # every change to a subscription goes through it
    http: httpx.AsyncClient
    fetch_options: FetchOptions
    sender: Sender
    poller: Poller

    @property
    def aliases(self) -> Aliases:
        return self.subscriptions.aliases

    @property
    def index(self) -> SubscriptionIndex:
        return self.subscriptions.index

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


class BotData:
    """The Application's `bot_data`. python-telegram-bot creates it with no arguments."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.throttle: Throttle | None = None
        self.services: Services | None = None  # from post_init until shutdown
        self.health_notifier: HealthNotifier | None = None
        self.parse_pool: ParsePool | None = None
        self.sender_task: asyncio.Task[None] | None = None
        self.health: HealthServer | None = None
        self.web: WebServer | None = None  # webhook, /healthz, /metrics
        self.api_watch: ApiWatch | None = None  # Telegram reachable, token accepted
        self.import_lane: ImportLane | None = None  # OPML imports, beside polling
        self.suggested_topics: tuple[SuggestedTopic, ...] = ()  # offered by /start
        self.story_search: StorySearch | None = None  # /search and /latest, off the loop

    def web_server(self) -> WebServer:
        """The bot's one web server (webhook, /healthz, /metrics), made on first use."""
        if self.web is None:
            self.web = WebServer()
        return self.web


Context: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
Handler: TypeAlias = Callable[[Update, Context], Coroutine[Any, Any, None]]


def bot_data(app: Application[Any, Any, Any, Any, Any, Any]) -> BotData:
    data = app.bot_data
    assert isinstance(data, BotData), "build the Application with CONTEXT_TYPES"
    return data


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The services, for a handler or a job (only while the bot runs)."""
    found = bot_data(context.application).services
    assert found is not None, "services are created in post_init"
    return found
