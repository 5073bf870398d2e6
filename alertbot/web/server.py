"""Our own HTTP server (tornado, in the bot's event loop): the webhook, `/healthz`, `/metrics`.

python-telegram-bot's built-in webhook server reads a whole request body (up to 100 MB)
before checking the secret. Here, following its custom-webhook example (an Application
without an Updater's server, updates put on `update_queue`), the webhook handler checks the
secret first, with `hmac.compare_digest`, then the declared size, before one byte of the
body is read; a refused request closes the connection unread. `/healthz` and `/metrics`
listen on their own address (loopback by default), the webhook on the public one.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
from typing import Any

import tornado.http1connection
import tornado.httpserver
import tornado.netutil
import tornado.web
from prometheus_client.exposition import choose_encoder
from telegram import Update
from telegram.ext import Application

from .health import HealthServer

__all__ = ["MAX_UPDATE_BYTES", "SECRET_HEADER", "WebServer"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # Telegram's updates are a few KB; a post of 90 MB is not one


@tornado.web.stream_request_body
class _TelegramUpdates(tornado.web.RequestHandler):
    """POST /telegram: secret first, size second, then the (bounded) body."""

    def initialize(self, app: Application, secret: str) -> None:  # type: ignore[type-arg]
        self.app = app
        self.secret = secret.encode()
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        if self.request.method != "POST":
            self._refuse(405)
            return
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.secret):
            self._refuse(403)
            return
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_UPDATE_BYTES):
            self._refuse(413)
            return
        connection = self.request.connection
        if isinstance(connection, tornado.http1connection.HTTP1Connection):
            connection.set_max_body_size(MAX_UPDATE_BYTES)  # chunked bodies too

    def _refuse(self, status: int) -> None:
        # Finishing before the body is read makes tornado close the connection unread.
        self.set_status(status)
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= MAX_UPDATE_BYTES:
            self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.app.bot)
        except Exception:  # not JSON, or JSON that is not an update: the sender's problem
            self.set_status(400)
            self.finish()
            return
        await self.app.update_queue.put(update)
        self.finish()

    def log_exception(self, *args: Any) -> None:  # refusals are answers, not server errors
        pass


class _Healthz(tornado.web.RequestHandler):
    def initialize(self, health: HealthServer) -> None:
        self.health = health

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        problem = self.health.problem()
        if problem is not None:
            self.set_status(503)
        self.finish((problem or "ok") + "\n")


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, health: HealthServer) -> None:
        self.health = health

    def get(self) -> None:
        encoder, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.finish(encoder(self.health.metrics.registry))


class WebServer:
    """Every listener the bot has; `listen_*` return the bound port (useful with port 0)."""

    def __init__(self) -> None:
        self._servers: list[tornado.httpserver.HTTPServer] = []

    def listen_webhook(
        self,
        app: Application,  # type: ignore[type-arg]
        *,
        address: str,
        port: int,
        url_path: str,
        secret: str,
    ) -> int:
        routes = [(f"/{url_path.strip('/')}", _TelegramUpdates, {"app": app, "secret": secret})]
        return self._listen(routes, address, port)

    def listen_health(self, health: HealthServer, *, address: str, port: int) -> int:
        routes = [
            (r"/healthz", _Healthz, {"health": health}),
            (r"/metrics", _Metrics, {"health": health}),
        ]
        health.port = self._listen(routes, address, port)
        return health.port

    def _listen(self, routes: list[Any], address: str, port: int) -> int:
        app = tornado.web.Application(routes, log_function=lambda handler: None)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockets = tornado.netutil.bind_sockets(port, address, family=family)
        server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_UPDATE_BYTES)
        server.add_sockets(sockets)
        self._servers.append(server)
        bound: int = sockets[0].getsockname()[1]
        return bound

    async def stop(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            server.stop()
            await server.close_all_connections()
