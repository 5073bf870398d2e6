"""Webhook mode: where the bot listens, what it asks Telegram to post to, and the secret.

Telegram posts updates to `ALERTBOT_WEBHOOK_URL` + "/telegram" with the secret in the
`X-Telegram-Bot-Api-Secret-Token` header; our server (server.py) refuses (403) any request
without it before reading its body. When no secret is configured a random one is made at
each start.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from ..config import Settings

__all__ = ["URL_PATH", "WebhookConfig", "webhook_config", "with_webhook_secret"]

URL_PATH = "telegram"


@dataclass(frozen=True)
class WebhookConfig:
    listen: str
    port: int
    webhook_url: str  # what Telegram posts to
    secret_token: str
    url_path: str = URL_PATH  # what the bot serves


def with_webhook_secret(settings: Settings) -> Settings:
    """The settings with a webhook secret, made up when webhook mode has none."""
    if settings.webhook_url and not settings.webhook_secret:
        # token_urlsafe uses only A-Z a-z 0-9 _ -, the characters Telegram allows.
        return replace(settings, webhook_secret=secrets.token_urlsafe(32))
    return settings


def webhook_config(settings: Settings, *, listen: str = "0.0.0.0") -> WebhookConfig | None:
    """None in long-polling mode (no `ALERTBOT_WEBHOOK_URL`)."""
    if not settings.webhook_url:
        return None
    secret = with_webhook_secret(settings).webhook_secret
    assert secret is not None
    return WebhookConfig(
        listen=listen,
        port=settings.port,
        webhook_url=settings.webhook_url.rstrip("/") + "/" + URL_PATH,
        secret_token=secret,
    )
