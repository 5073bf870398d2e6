"""Shared fixtures, and a guard: no test may open a connection beyond loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from alertbot.store import Store

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False
    return True  # AF_UNIX paths are local


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name not in ("localhost", "") and host is not None:
        try:
            ipaddress.ip_address(name.split("%")[0])
        except ValueError:
            if not name.endswith((".localhost", ".test", ".invalid")):
                raise RuntimeError(f"test tried to resolve a network name: {name!r}") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture
def fresh_store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


# --- end-to-end: the real Application against local fakes ------------------------------

from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

from alertbot.config import Settings, load_settings  # noqa: E402
from alertbot.devtools.fake_bot_api import FakeBotApi, FloodLimits  # noqa: E402
from alertbot.devtools.feed_server import FeedServer  # noqa: E402

# ADMIN and bot_running live in helpers.py; importing them from here keeps working.
from .helpers import ADMIN, bot_running  # noqa: E402, F401


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    # Telegram's limits, with room for a test typing several commands in a row.
    api = FakeBotApi(limits=FloodLimits(private_burst=20))
    api.start()
    yield api
    api.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, fake_api: FakeBotApi) -> Settings:
    """Settings as an operator would set them, pointed at the fakes, polling fast."""
    base = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": fake_api.token,
            "TELEGRAM_API_BASE_URL": fake_api.base_url,
            "ALERTBOT_ADMIN_IDS": str(ADMIN),
            "ALERTBOT_DB": str(tmp_path / "alertbot.db"),
            "ALERTBOT_POLL_INTERVAL": "1",
            "ALERTBOT_ALLOW_PRIVATE_URLS": "1",
            "ALERTBOT_TICK_SECONDS": "0.2",
            "ALERTBOT_STARTER_FEEDS": "",
        }
    )
    return replace(base, fetch_timeout=5.0)
