"""The collaborators every handler and job needs, created in post_init, closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from telegram.ext import CallbackContext, ContextTypes

from ..config import Settings
from ..delivery.sender import Sender
from ..feeds.fetch import FetchOptions
from ..matching import Aliases
from ..matching.subscriptions import SubscriptionIndex
from ..refresh.poller import Poller
from ..store import Store

__all__ = ["Services", "services"]


@dataclass
class Services:
    settings: Settings
    store: Store
    subscriptions: SubscriptionIndex
    aliases: Aliases
    http: httpx.AsyncClient
    fetch_options: FetchOptions
    sender: Sender
    poller: Poller

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


def services(context: ContextTypes.DEFAULT_TYPE | CallbackContext) -> Services:  # type: ignore[type-arg]
    found = context.application.bot_data["services"]
    assert isinstance(found, Services)
    return found
