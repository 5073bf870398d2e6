"""Run a tornado application on 127.0.0.1 in its own thread and event loop.

The development fakes live in the test's process but must not share its event loop: a test
may block (a subprocess, a sync assertion) while the bot keeps talking to the fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Self

import tornado.httpserver
import tornado.netutil
import tornado.web

__all__ = ["LoopbackServer"]

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0
_GRACE = 2.0


class LoopbackServer:
    """Base class: `start()`/`stop()` (or `with`) a tornado app on loopback in a thread.

    Subclasses build the app in `_make_app()`; `_stopping` is set (in the server's loop) when
    `stop()` is called, so long waits inside handlers can end early.
    """

    def __init__(self, *, port: int = 0, name: str = "loopback-server") -> None:
        self._requested_port = port
        self._port: int | None = None
        self._name = name
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._stopping_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._in_flight = 0  # requests being answered, so stop() can let them finish

    @contextlib.contextmanager
    def _answering(self) -> Iterator[None]:
        """Wrap a handler's work so that `stop()` waits (briefly) for its answer."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1

    def _on_stopping(self) -> None:
        """Called in the server's loop when stopping: wake what waits (see `_wait_stopping`)."""

    def _make_app(self) -> tornado.web.Application:
        raise NotImplementedError

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        if self._port is None:
            raise RuntimeError(f"{self._name} is not started")
        return self._port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        """Bind and serve in a background thread; returns once the port is bound.

        A restart (start after stop) binds the same port again, so URLs stay valid.
        """
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already started")
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT) or self._error is not None:
            self._thread.join(1)
            self._thread = None
            raise RuntimeError(f"{self._name} failed to start") from self._error
        return self

    def stop(self) -> None:
        """Close every connection, stop the loop and join the thread. Idempotent."""
        thread, loop, stop_requested = self._thread, self._loop, self._stop_requested
        if thread is None:
            return
        if loop is not None and stop_requested is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stop_requested.set)
        thread.join(_STOP_TIMEOUT)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _call_in_loop(self, callback: Callable[[], object]) -> None:
        """Schedule `callback()` in the server's loop, if it is running."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(callback)

    async def _wait_stopping(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when the server is stopping (so the caller gives up)."""
        event = self._stopping_event
        if event is None:
            return True
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True

    @property
    def _stopping(self) -> bool:
        return self._stopping_event is None or self._stopping_event.is_set()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(), which re-raises it
            self._error = exc
            self._ready.set()
        finally:
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    async def _serve(self) -> None:
        self._stop_requested = asyncio.Event()
        self._stopping_event = asyncio.Event()
        port = self._port if self._port is not None else self._requested_port
        sockets = tornado.netutil.bind_sockets(
            port, "127.0.0.1", family=socket.AF_INET, backlog=512
        )
        server = tornado.httpserver.HTTPServer(self._make_app(), idle_connection_timeout=60)
        server.add_sockets(sockets)
        self._port = sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop_requested.wait()
        self._stopping_event.set()
        self._on_stopping()
        server.stop()
        deadline = time.monotonic() + _GRACE
        while True:  # let woken handlers send their answers before connections close
            await asyncio.sleep(0.01)
            if not self._in_flight or time.monotonic() > deadline:
                break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.close_all_connections(), _STOP_TIMEOUT / 2)
