"""Settings: read once at start from `config/settings.toml` and the environment (which wins).

A bad value raises `SettingsError` naming the setting, so `bot.py` can print one line and
exit instead of a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_API_BASE_URL", "REPO_ROOT", "Settings", "SettingsError", "load_settings"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
TOKEN_HELP = (
    "TELEGRAM_BOT_TOKEN is not set: talk to @BotFather in Telegram, send /newbot, and put the "
    "token it gives you in the environment (export TELEGRAM_BOT_TOKEN=123456:ABC...)."
)


class SettingsError(ValueError):
    """A setting is missing or malformed; `str()` is the one line shown to the operator."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    api_base_url: str = DEFAULT_API_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    db_path: Path = REPO_ROOT / "data" / "alertbot.db"
    poll_interval: int = 300
    allow_private_urls: bool = False
    log_level: str = "INFO"
    fetch_timeout: float = 20.0
    max_feed_bytes: int = 5 * 1024 * 1024
    tick_seconds: float = 1.0
    aliases_path: Path = REPO_ROOT / "config" / "aliases.toml"
    starter_feeds_path: Path | None = REPO_ROOT / "config" / "feeds.toml"
    digest_threshold: int = 5
    retention_days: int = 30
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8443
    metrics_port: int | None = None
    max_messages_per_second: int = 30
    max_per_chat_per_second: float = 1.0
    max_per_group_per_minute: int = 20
    timezone: str = "UTC"  # for chats that chose none (an IANA name, checked at start)
    suggested_topics_path: Path = REPO_ROOT / "config" / "suggested_topics.toml"
    max_commands_per_chat: int = 20  # in 10 s; more gets one "slow down" and a pause
    max_new_per_refresh: int = 500
    max_stories_per_feed: int = 10_000
    metrics_listen: str = "127.0.0.1"
    import_concurrency: int = 10
    max_in_flight: int = 5
    alert_expiry_hours: float = 24.0

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(TOKEN_HELP)
        return self.token


def _int(name: str, raw: str, *, minimum: int, maximum: int | None = None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise SettingsError(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


def _float(name: str, raw: str, *, minimum: float) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value >= minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise SettingsError(
                f"ALERTBOT_ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}"
            )
        ids.add(int(part))
    return frozenset(ids)


def _base_url(raw: str) -> str:
    url = raw.strip()
    if not url.startswith(("http://", "https://")):
        raise SettingsError(
            f"TELEGRAM_API_BASE_URL must start with http:// or https://, got {raw!r}"
        )
    return url


def _timezone(raw: str) -> str:
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingsError(
            f"ALERTBOT_TIMEZONE must be an IANA time zone such as Asia/Jakarta or UTC, got {raw!r}"
        ) from None
    return name


def _path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path)


def _read_config_file(config_dir: Path) -> dict[str, str]:
    path = config_dir / "settings.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in data.items()}


def load_settings(
    environ: Mapping[str, str], *, config_dir: Path = REPO_ROOT / "config"
) -> Settings:
    """Build Settings from `config_dir/settings.toml` overridden by `environ`."""
    values = _read_config_file(config_dir)
    values.update({k: v for k, v in environ.items() if k.startswith(("ALERTBOT_", "TELEGRAM_"))})
    if "PORT" in environ:
        values["PORT"] = environ["PORT"]

    def get(name: str) -> str | None:
        raw = values.get(name)
        return raw if raw is not None and raw.strip() != "" else None

    kwargs: dict[str, object] = {"token": (get("TELEGRAM_BOT_TOKEN") or "").strip() or None}
    if (raw := get("TELEGRAM_API_BASE_URL")) is not None:
        kwargs["api_base_url"] = _base_url(raw)
    if (raw := get("ALERTBOT_ADMIN_IDS")) is not None:
        kwargs["admin_ids"] = _admin_ids(raw)
    if (raw := get("ALERTBOT_DB")) is not None:
        kwargs["db_path"] = _path(raw)
    if (raw := get("ALERTBOT_POLL_INTERVAL")) is not None:
        kwargs["poll_interval"] = _int("ALERTBOT_POLL_INTERVAL", raw, minimum=1)
    if (raw := get("ALERTBOT_ALLOW_PRIVATE_URLS")) is not None:
        kwargs["allow_private_urls"] = _bool("ALERTBOT_ALLOW_PRIVATE_URLS", raw)
    if (raw := get("ALERTBOT_LOG_LEVEL")) is not None:
        level = raw.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(
                f"ALERTBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {raw!r}"
            )
        kwargs["log_level"] = level
    if (raw := get("ALERTBOT_FETCH_TIMEOUT")) is not None:
        kwargs["fetch_timeout"] = _float("ALERTBOT_FETCH_TIMEOUT", raw, minimum=0.1)
    if (raw := get("ALERTBOT_MAX_FEED_BYTES")) is not None:
        kwargs["max_feed_bytes"] = _int("ALERTBOT_MAX_FEED_BYTES", raw, minimum=1024)
    if (raw := get("ALERTBOT_TICK_SECONDS")) is not None:
        kwargs["tick_seconds"] = _float("ALERTBOT_TICK_SECONDS", raw, minimum=0.05)
    if (raw := get("ALERTBOT_ALIASES")) is not None:
        kwargs["aliases_path"] = _path(raw)
    if "ALERTBOT_STARTER_FEEDS" in values:
        raw = values["ALERTBOT_STARTER_FEEDS"].strip()
        kwargs["starter_feeds_path"] = _path(raw) if raw else None
    if (raw := get("ALERTBOT_DIGEST_THRESHOLD")) is not None:
        kwargs["digest_threshold"] = _int("ALERTBOT_DIGEST_THRESHOLD", raw, minimum=1)
    if (raw := get("ALERTBOT_RETENTION_DAYS")) is not None:
        kwargs["retention_days"] = _int("ALERTBOT_RETENTION_DAYS", raw, minimum=1)
    if (raw := get("ALERTBOT_WEBHOOK_URL")) is not None:
        if not raw.startswith("https://") and not raw.startswith("http://"):
            raise SettingsError(f"ALERTBOT_WEBHOOK_URL must be an http(s) URL, got {raw!r}")
        kwargs["webhook_url"] = raw.strip()
    if (raw := get("ALERTBOT_WEBHOOK_SECRET")) is not None:
        kwargs["webhook_secret"] = raw.strip()
    if (raw := get("PORT")) is not None:
        kwargs["port"] = _int("PORT", raw, minimum=1, maximum=65535)
    if (raw := get("ALERTBOT_METRICS_PORT")) is not None:
        kwargs["metrics_port"] = _int("ALERTBOT_METRICS_PORT", raw, minimum=0, maximum=65535)
    if (raw := get("ALERTBOT_MAX_MESSAGES_PER_SECOND")) is not None:
        kwargs["max_messages_per_second"] = _int(
            "ALERTBOT_MAX_MESSAGES_PER_SECOND", raw, minimum=1, maximum=1000
        )
    if (raw := get("ALERTBOT_MAX_PER_CHAT_PER_SECOND")) is not None:
        kwargs["max_per_chat_per_second"] = _float(
            "ALERTBOT_MAX_PER_CHAT_PER_SECOND", raw, minimum=0.01
        )
    if (raw := get("ALERTBOT_MAX_PER_GROUP_PER_MINUTE")) is not None:
        kwargs["max_per_group_per_minute"] = _int(
            "ALERTBOT_MAX_PER_GROUP_PER_MINUTE", raw, minimum=1
        )
    if (raw := get("ALERTBOT_TIMEZONE")) is not None:
        kwargs["timezone"] = _timezone(raw)
    if (raw := get("ALERTBOT_SUGGESTED_TOPICS")) is not None:
        kwargs["suggested_topics_path"] = _path(raw)
    if (raw := get("ALERTBOT_MAX_COMMANDS_PER_CHAT")) is not None:
        kwargs["max_commands_per_chat"] = _int("ALERTBOT_MAX_COMMANDS_PER_CHAT", raw, minimum=1)
    for name, key, minimum in (
        ("ALERTBOT_MAX_NEW_PER_REFRESH", "max_new_per_refresh", 1),
        ("ALERTBOT_MAX_STORIES_PER_FEED", "max_stories_per_feed", 1),
        ("ALERTBOT_IMPORT_CONCURRENCY", "import_concurrency", 1),
    ):
        if (raw := get(name)) is not None:
            kwargs[key] = _int(name, raw, minimum=minimum)
    if (raw := get("ALERTBOT_METRICS_LISTEN")) is not None:
        kwargs["metrics_listen"] = raw.strip()
    if (raw := get("ALERTBOT_MAX_IN_FLIGHT")) is not None:
        kwargs["max_in_flight"] = _int("ALERTBOT_MAX_IN_FLIGHT", raw, minimum=1, maximum=100)
    if (raw := get("ALERTBOT_ALERT_EXPIRY_HOURS")) is not None:
        kwargs["alert_expiry_hours"] = _float("ALERTBOT_ALERT_EXPIRY_HOURS", raw, minimum=0.01)
    return Settings(**kwargs)  # type: ignore[arg-type]
