"""Webhook mode against the fake Bot API: the bot registers its URL with a secret, and only
requests carrying that secret are answered.
"""

from __future__ import annotations

import asyncio
import json
import socket
import tracemalloc
from dataclasses import replace
from typing import Any

import httpx

from alertbot.app import build_application, running
from alertbot.config import Settings, load_settings
from alertbot.devtools.fake_bot_api import FakeBotApi, text_of
from alertbot.web.server import SECRET_HEADER
from alertbot.web.webhook import webhook_config, with_webhook_secret

SECRET = "s3cret_token-for-tests"
CHAT = 4242


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def update(update_id: int, text: str) -> dict[str, Any]:
    """A private message from a user, as Telegram posts it to a webhook."""
    user = {"id": CHAT, "is_bot": False, "first_name": "Hook"}
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    message = {
        "message_id": update_id,
        "date": 1700000000,
        "chat": {"id": CHAT, "type": "private", "first_name": "Hook"},
        "from": user,
        "text": text,
        "entities": entities,
    }
    return {"update_id": update_id, "message": message}


async def test_webhook_registers_with_the_secret_and_refuses_requests_without_it(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    hooked = replace(
        settings, webhook_url="https://bot.example.test/", webhook_secret=SECRET, port=free_port()
    )
    config = webhook_config(hooked, listen="127.0.0.1")
    assert config is not None
    url = f"http://127.0.0.1:{config.port}/telegram"
    async with running(build_application(hooked), webhook=config):
        [registered] = fake_api.calls("setWebhook")
        assert registered["url"] == "https://bot.example.test/telegram"
        assert registered["secret_token"] == SECRET
        assert not fake_api.calls("getUpdates")  # no long polling beside the webhook

        async with httpx.AsyncClient(timeout=10) as client:
            refused = await client.post(url, json=update(1, "/topics"))
            wrong = await client.post(
                url,
                json=update(2, "/topics"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
            )
            assert refused.status_code == 403 and wrong.status_code == 403
            await asyncio.sleep(0.5)
            assert fake_api.messages(CHAT) == []

            accepted = await client.post(
                url,
                json=update(3, "/subscribe Nagorno-Karabakh"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert accepted.status_code == 200
            [reply] = await fake_api.wait_for_messages(CHAT, 1)
            assert "Following Nagorno-Karabakh" in text_of(reply)


def test_a_webhook_without_a_configured_secret_gets_a_random_one() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": "1:x", "ALERTBOT_WEBHOOK_URL": "https://bot.example.test"}
    )
    assert settings.webhook_secret is None
    first, second = with_webhook_secret(settings), with_webhook_secret(settings)
    assert first.webhook_secret and second.webhook_secret
    assert first.webhook_secret != second.webhook_secret
    assert len(first.webhook_secret) >= 32
    assert set(first.webhook_secret) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    )
    config = webhook_config(first)
    assert config is not None and config.secret_token == first.webhook_secret
    assert config.listen == "0.0.0.0" and config.port == 8443


def test_long_polling_when_no_webhook_url_is_set() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "1:x"})
    assert webhook_config(settings) is None
    assert with_webhook_secret(settings).webhook_secret is None


async def post_raw(port: int, headers: dict[str, str], body: bytes = b"") -> tuple[bytes, bool]:
    """A raw HTTP/1.1 POST. Without a body, the answer to the headers alone (what a
    server says before reading any body), then whether the connection was closed as the
    body was being sent; with one, the whole exchange."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"POST /telegram HTTP/1.1\r\nHost: bot\r\n{head}\r\n".encode())
    if body:
        writer.write(body)
    await writer.drain()
    answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    closed = False
    if body:
        writer.close()
        return answer, closed
    try:
        for _ in range(64):  # up to 4 MB more of the announced body
            writer.write(b"x" * 65536)
            await writer.drain()
        closed = await asyncio.wait_for(reader.read(), timeout=10) == b""
    except ConnectionError:
        closed = True
    writer.close()
    return answer, closed


async def test_a_huge_unauthenticated_post_is_refused_before_its_body_is_read(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    hooked = replace(settings, webhook_url="https://bot.example.test/", webhook_secret=SECRET)
    config = webhook_config(replace(hooked, port=free_port()), listen="127.0.0.1")
    assert config is not None
    async with running(build_application(hooked), webhook=config):
        ninety_mb = str(90 * 1024 * 1024)
        tracemalloc.start()
        try:
            for _ in range(4):
                answer, closed = await post_raw(
                    config.port, {"Content-Length": ninety_mb, SECRET_HEADER: "guess"}
                )
                assert answer.startswith(b"HTTP/1.1 403 ") and closed
            answer, closed = await post_raw(config.port, {"Content-Length": ninety_mb})
            assert answer.startswith(b"HTTP/1.1 403 ") and closed
            # With the right secret, a body larger than any update is refused unread too.
            answer, closed = await post_raw(
                config.port, {"Content-Length": ninety_mb, SECRET_HEADER: SECRET}
            )
            assert answer.startswith(b"HTTP/1.1 413 ") and closed
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 8 * 1024 * 1024  # nothing like the 90 MB announced, nor the 4 MB sent

        # With the secret, junk is refused as such; and the webhook still works.
        for junk in (b"not json", b"[1, 2]"):
            answer, _ = await post_raw(
                config.port, {"Content-Length": str(len(junk)), SECRET_HEADER: SECRET}, junk
            )
            assert answer.startswith(b"HTTP/1.1 400 "), junk
        body = json.dumps(update(7, "/topics")).encode()
        ok, _ = await post_raw(
            config.port,
            {
                "Content-Length": str(len(body)),
                SECRET_HEADER: SECRET,
                "Content-Type": "application/json",
            },
            body,
        )
        assert ok.startswith(b"HTTP/1.1 200 ")
        [answer] = await fake_api.wait_for_messages(CHAT, 1)
        assert "topic" in text_of(answer).lower()


def test_health_listens_on_loopback_unless_told_otherwise() -> None:
    assert load_settings({}).metrics_listen == "127.0.0.1"
    assert load_settings({"ALERTBOT_METRICS_LISTEN": "0.0.0.0"}).metrics_listen == "0.0.0.0"
