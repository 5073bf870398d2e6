"""An OPML import's engine: each feed checked once (`add` fetches and parses it) a few at a
time under the import's own per-host limits, never the poller's; a report filled as checks
end, so a caller can show the progress."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..feeds.logsafe import loggable
from ..i18n import ENGLISH, Texts
from ..models import Feed
from ..store import Store
from .new_feed import AddFeedError, AlreadyPolled

__all__ = ["PER_HOST", "ImportLane", "ImportReport", "import_feeds"]

log = logging.getLogger(__name__)

PER_HOST = 2


@dataclass
class ImportReport:
    added: list[Feed] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    checked: int = 0
    total: int = 0


class ImportLane:
    """Imports' own limits (never the poller's) and the imports running, by chat."""

    def __init__(self, concurrency: int = 10, per_host: int = PER_HOST) -> None:
        self.concurrency = concurrency
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_host)
        )
        self.running: dict[int, asyncio.Task[None]] = {}
        self.closing = False

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        async with self._hosts[urlsplit(url).hostname or ""]:
            yield

    def cancel(self, chat_id: int) -> bool:
        task = self.running.get(chat_id)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    async def close(self) -> None:
        """Cancel every import (shutdown) and wait for them to notice."""
        self.closing = True
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def import_feeds(
    entries: Sequence[tuple[str, str]],
    *,
    store: Store,
    add: Callable[[str], Awaitable[Feed]],
    concurrency: int = 10,
    report: ImportReport | None = None,
    t: Texts = ENGLISH,
) -> ImportReport:
    """Add every (url, title) not already polled, each validated by `add` (fetch and parse
    once), `concurrency` at a time; `add` raises AddFeedError (AlreadyPolled for a
    duplicate). `report` is filled as checks end, so a caller can show the progress."""
    report = report if report is not None else ImportReport()
    report.total = len(entries)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url, _title in entries:
        known = store.find_feed(url.strip())
        if known is not None and not known.state.retired:
            report.duplicates.append(url)
            report.checked += 1
        else:
            queue.put_nowait(url)

    async def check(url: str) -> None:
        try:
            report.added.append(await add(url))
        except AlreadyPolled:
            report.duplicates.append(url)
        except AddFeedError as exc:
            report.failed.append((url, exc.said_in(t)))
        except Exception:  # one odd feed must not sink the whole import
            log.exception("importing feed %s failed", loggable(url))
            report.failed.append((url, t.gettext("unexpected error (see the bot's log)")))
        finally:
            report.checked += 1

    async def worker() -> None:
        while not queue.empty():
            await check(queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, queue.qsize())))))
    report.added.sort(key=lambda f: f.id)
    return report
