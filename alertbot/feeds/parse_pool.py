"""Parse feeds in worker processes: the event loop stays free and every core works.

feedparser is pure Python: a 50-item feed takes about 10 ms of CPU and a 5 MB one about a
second, time in which the bot would answer no command and read no other feed. `ParsePool`
runs `parse_feed` in a `ProcessPoolExecutor`; `parse_here` is the in-process equivalent
(one core, or tests that want no processes). Both are `FeedParser`s.

A pool may also `derive` more from each parsed feed in the worker and `remember` it in the
bot (refresh/prework.py: what the refresh would otherwise work out on the bot's core).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, cast

from .. import logs
from ..models import ParsedFeed
from .parse import parse_feed

__all__ = ["FeedParser", "ParsePool", "default_workers", "parse_here"]

log = logging.getLogger(__name__)


class FeedParser(Protocol):
    async def __call__(
        self, content: bytes, *, base_url: str, content_type: str | None
    ) -> ParsedFeed: ...


async def parse_here(content: bytes, *, base_url: str, content_type: str | None) -> ParsedFeed:
    """parse_feed in this process (raises NotAFeed as it does)."""
    return parse_feed(content, base_url=base_url, content_type=content_type)


def default_workers() -> int:
    """One worker per core but the one the bot's own process keeps busy (at most 4); none on
    a single core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(4, (cores or 1) - 1)


def _parse_and_derive(
    derive: Callable[[ParsedFeed], Any], content: bytes, *, base_url: str, content_type: str | None
) -> tuple[ParsedFeed, Any]:
    parsed = parse_feed(content, base_url=base_url, content_type=content_type)
    return parsed, derive(parsed)


def _exit_with(bot_pid: int) -> None:
    """In a worker: exit when the bot's process is gone, even killed with SIGKILL (a worker
    waiting for work would otherwise wait forever, holding its memory)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid was reused by someone else's process
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-the-bot", daemon=True).start()


def _start_worker(bot_pid: int, level: str, secrets: list[str]) -> None:
    """A worker's first act: leave Ctrl-C to the bot (the terminal sends SIGINT to the whole
    process group; the bot shuts the pool down itself), log like the bot (redacted), and
    exit when the bot is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logs.configure_logging(level, secrets=secrets)
    _exit_with(bot_pid)


class ParsePool:
    """A FeedParser backed by worker processes, started on first use; `workers=0` parses here.

    A worker that dies (killed, out of memory) breaks the pool: the feed in hand is parsed
    here and a new pool is started for the next ones. After `MAX_BREAKS` broken pools
    (workers that cannot even start) every feed is parsed here.
    """

    MAX_BREAKS = 3

    def __init__(
        self,
        workers: int,
        *,
        derive: Callable[[ParsedFeed], Any] | None = None,
        remember: Callable[[ParsedFeed, Any], None] | None = None,
    ) -> None:
        self.workers = workers
        self.breaks = 0
        self._executor: ProcessPoolExecutor | None = None
        self._derive, self._remember = derive, remember

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: never fork a process that runs threads (the bot's HTTP clients).
            context = multiprocessing.get_context("forkserver")
            preload = ["alertbot.feeds.parse", *([self._derive.__module__] if self._derive else [])]
            context.set_forkserver_preload(preload)  # workers start warm
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(), logs.active_level(), logs.active_secrets()),
            )
        return self._executor

    async def __call__(
        self, content: bytes, *, base_url: str, content_type: str | None
    ) -> ParsedFeed:
        if self.workers <= 0:
            return parse_feed(content, base_url=base_url, content_type=content_type)
        derive, remember = self._derive, self._remember
        job: Callable[[], Any] = functools.partial(
            parse_feed if derive is None else functools.partial(_parse_and_derive, derive),
            content,
            base_url=base_url,
            content_type=content_type,
        )
        try:
            result = await asyncio.get_running_loop().run_in_executor(self._pool(), job)
        except BrokenProcessPool:
            self.close()
            self.breaks += 1
            if self.breaks >= self.MAX_BREAKS:
                log.error("feed parser processes keep dying; parsing in the bot's process")
                self.workers = 0
            else:
                log.warning("a feed parser process died; starting new ones")
            return parse_feed(content, base_url=base_url, content_type=content_type)
        if derive is None:
            return cast(ParsedFeed, result)
        parsed, derived = result
        if remember is not None:
            remember(parsed, derived)
        return cast(ParsedFeed, parsed)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
