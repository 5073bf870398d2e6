"""OPML import in its own lane: an admin sends an .opml file, its feeds are checked.

Checks run in a few workers with their own per-host limits, never in the poller's slots, so
polling goes on during an import of 40,000 feeds. One message shows the progress, edited
every few seconds; `/cancelimport` stops it, and shutdown cancels it (the import runs as a
task python-telegram-bot does not wait for, so SIGTERM stops the bot at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from html import escape

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from ..delivery.format import ENGLISH_UTC, Texts
from ..feeds.opml import OpmlError, parse_opml
from ..models import Feed
from ..refresh.imports import ImportLane, ImportReport, import_feeds
from ..refresh.new_feed import add_feed
from .chat_locale import chat_locale
from .permissions import admin_only
from .replies import reply
from .services import Context, Services, bot_data, services

__all__ = ["HANDLERS", "document_handler", "report_blocks"]

log = logging.getLogger(__name__)

MAX_OPML_BYTES = 2 * 1024 * 1024
PROGRESS_EVERY = 3.0  # seconds between two edits of the progress message


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(feed: Feed) -> str:
    return f"#{feed.id} <b>{escape(_cut(feed.title or feed.url, 100))}</b>"


def report_blocks(
    report: ImportReport, file_name: str, *, cancelled: bool = False, t: Texts = ENGLISH_UTC.t
) -> list[str]:
    """The import's summary, then one block per added or failed feed."""
    counts = {
        "added": len(report.added),
        "known": len(report.duplicates),
        "failed": len(report.failed),
    }
    if cancelled:
        said = t.gettext(
            "📥 Import of {file} cancelled after {checked} of {total}: {added} added, "
            "{known} already polled, {failed} failed."
        ).format(file=file_name, checked=f"{report.checked:,}", total=f"{report.total:,}", **counts)
    else:
        said = t.gettext(
            "📥 Imported {file}: {added} added, {known} already polled, {failed} failed."
        ).format(file=file_name, **counts)
    head = escape(said)
    lines = [f"✅ {_name(f)}" for f in report.added]
    lines += [
        f"❌ {escape(_cut(url, 200))} — {escape(_cut(why, 200))}" for url, why in report.failed
    ]
    # One block per line so that a long import is split across messages, never cut.
    return [head, *lines]


def _adder(
    svc: Services, lane: ImportLane, added_by: int | None
) -> Callable[[str], Awaitable[Feed]]:
    async def add(url: str) -> Feed:
        async with lane.slot(url):  # the import's own per-host limit, not the poller's
            feed, _count = await add_feed(
                url,
                client=svc.http,
                store=svc.store,
                options=svc.fetch_options,
                interval=svc.settings.poll_interval,
                added_by=added_by,
                parse=svc.poller.parse,
                limits=svc.poller.limits,
            )
        return feed

    return add


def lane_of(context: Context) -> ImportLane:
    data = bot_data(context.application)
    if data.import_lane is None:
        data.import_lane = ImportLane(services(context).settings.import_concurrency)
    return data.import_lane


async def import_opml(update: Update, context: Context) -> None:
    """An admin sent a document: start importing the feeds of an OPML file."""
    svc, t = services(context), chat_locale(update, context).t
    user, message = update.effective_user, update.effective_message
    document = message.document if message else None
    if document is None or message is None:
        return

    async def say(text: str) -> None:
        await reply(update, escape(text))

    if not svc.is_admin(user.id if user else None):
        await say(t.gettext("⛔ Sorry, only the bot's admins can import feeds from files."))
        return
    name = document.file_name or t.gettext("the file")
    if not name.lower().endswith((".opml", ".xml")):
        await say(t.gettext("To import feeds, send an .opml file (a feed reader's export)."))
        return
    if (document.file_size or 0) > MAX_OPML_BYTES:
        await say(t.gettext("❌ Not imported: {file} is larger than 2 MB.").format(file=name))
        return
    lane = lane_of(context)
    chat_id = message.chat_id
    if chat_id in lane.running:
        await say(t.gettext("An import is already running here. /cancelimport stops it."))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        entries = parse_opml(data)
    except OpmlError as exc:
        await say(t.gettext("❌ Not imported: {reason}").format(reason=exc))
        return
    if not entries:
        await say(t.gettext("{file} lists no feeds (no outline has an xmlUrl).").format(file=name))
        return
    head = escape(
        t.ngettext(
            "📥 Checking {n} feed from {file}…", "📥 Checking {n} feeds from {file}…", len(entries)
        ).format(n=f"{len(entries):,}", file=name)
    )
    progress = await message.reply_text(head, parse_mode=ParseMode.HTML, do_quote=False)
    add = _adder(svc, lane, user.id if user else None)
    # A plain task, not PTB's: Application.stop() would wait for it, holding up SIGTERM.
    task = asyncio.create_task(
        _run_import(update, entries, name, head, progress, svc, lane, add, t), name="opml-import"
    )
    lane.running[chat_id] = task
    task.add_done_callback(lambda _t: lane.running.pop(chat_id, None))


async def _run_import(
    update: Update,
    entries: Sequence[tuple[str, str]],
    name: str,
    head: str,
    progress: Message,
    svc: Services,
    lane: ImportLane,
    add: Callable[[str], Awaitable[Feed]],
    t: Texts,
) -> None:
    report = ImportReport(total=len(entries))
    job = asyncio.create_task(
        import_feeds(
            entries, store=svc.store, add=add, concurrency=lane.concurrency, report=report, t=t
        )
    )
    shown = -1
    try:
        while not job.done():
            await asyncio.wait([job], timeout=PROGRESS_EVERY)
            if not job.done() and report.checked != shown:
                shown = report.checked
                with contextlib.suppress(TelegramError):
                    checked = t.gettext("checked {checked} of {total}… (/cancelimport stops it)")
                    await progress.edit_text(
                        f"{head}\n"
                        + escape(
                            checked.format(checked=f"{report.checked:,}", total=f"{report.total:,}")
                        ),
                        parse_mode=ParseMode.HTML,
                    )
        await job
    except asyncio.CancelledError:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
        if not lane.closing:
            await _send_report(update, report, name, cancelled=True, t=t)
        raise
    with contextlib.suppress(TelegramError):
        done = t.gettext("checked all {total} ✓").format(total=f"{report.total:,}")
        await progress.edit_text(f"{head}\n{escape(done)}", parse_mode=ParseMode.HTML)
    await _send_report(update, report, name, cancelled=False, t=t)


async def _send_report(
    update: Update, report: ImportReport, name: str, *, cancelled: bool, t: Texts
) -> None:
    from .feed_admin import pack_messages  # the /feeds packer; imported late (no cycle)

    for text in pack_messages(report_blocks(report, name, cancelled=cancelled, t=t), sep="\n"):
        with contextlib.suppress(TelegramError):
            await reply(update, text)


@admin_only
async def cancelimport(update: Update, context: Context) -> None:
    """Stop the OPML import running in this chat; the feeds added so far stay."""
    message = update.effective_message
    if message is None:
        return
    if not lane_of(context).cancel(message.chat_id):
        t = chat_locale(update, context).t
        await reply(update, escape(t.gettext("No import is running here.")))


def document_handler() -> MessageHandler:  # type: ignore[type-arg]
    """Documents sent in private, or any .opml file."""
    wanted = filters.Document.ALL & (
        filters.ChatType.PRIVATE | filters.Document.FileExtension("opml")
    )
    return MessageHandler(wanted, import_opml, block=False)


HANDLERS = {"cancelimport": cancelimport}
