"""`python bot.py backup <path>` while the database is being written: the copy is whole.

A writer adds stories and their alerts in one transaction per batch, so in any consistent
snapshot there are as many alerts as stories, and the search index is intact.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from alertbot.models import Entry
from alertbot.refresh.intake import add_stories
from alertbot.store import NewAlert, Store
from alertbot.store.search import index_new_stories

REPO = Path(__file__).resolve().parent.parent
CHAT = 5


class Writer(threading.Thread):
    """Writes batches of stories and their alerts until stopped, as the bot's poller does."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(daemon=True)
        self.db_path = db_path
        self.stop = threading.Event()
        self.batches = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        store = Store.open(self.db_path)
        try:
            feed = store.add_feed("http://127.0.0.1/feed.xml", interval=60)
            while not self.stop.is_set():
                entries = [
                    Entry(
                        guid=f"{self.batches}-{n}",
                        link=f"https://news.example/{self.batches}/{n}",
                        title=f"Story {n} of batch {self.batches} about Nagorno-Karabakh",
                        summary="Armenia and Azerbaijan " * 20,
                    )
                    for n in range(20)
                ]
                with store.db.atomic():
                    stories = add_stories(store, feed.id, entries)
                    store.enqueue_alerts(
                        NewAlert(CHAT, s.id, "Nagorno-Karabakh", "") for s in stories
                    )
                index_new_stories(store.db.conn)  # as /search does: its index is written too
                self.batches += 1
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            store.close()


def check_copy(path: Path) -> int:
    """The copy opens, is intact, and is one moment of the database; returns its stories."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        stories = db.execute("select count(*) from stories").fetchone()[0]
        alerts = db.execute("select count(*) from alerts").fetchone()[0]
        assert stories == alerts
        # FTS5's own check that the search index is intact.
        db.execute("insert into stories_words(stories_words) values('integrity-check')")
        return int(stories)
    finally:
        db.close()


def test_backup_while_the_database_is_written(tmp_path: Path) -> None:
    db_path = tmp_path / "alertbot.db"
    Store.open(db_path).close()
    writer = Writer(db_path)
    writer.start()
    try:
        while writer.batches < 5 and writer.error is None:
            writer.stop.wait(0.01)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERTBOT_", "TELEGRAM_"))}
        copies = []
        for n in range(2):
            copy = tmp_path / f"copy-{n}.db"
            before = writer.batches
            result = subprocess.run(
                [sys.executable, "bot.py", "backup", str(copy)],
                cwd=REPO,
                env={**env, "ALERTBOT_DB": str(db_path)},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
            assert f"to {copy}" in result.stdout
            assert writer.batches > before  # the writer kept writing meanwhile
            copies.append(copy)
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None
    first, second = (check_copy(c) for c in copies)
    assert 0 < first < second
    assert not list(tmp_path.glob("*.partial"))


def test_store_backup_to_while_writing(tmp_path: Path) -> None:
    db_path = tmp_path / "alertbot.db"
    Store.open(db_path).close()
    writer = Writer(db_path)
    writer.start()
    try:
        while writer.batches < 3 and writer.error is None:
            writer.stop.wait(0.01)
        store = Store.open(db_path)
        try:
            store.backup_to(tmp_path / "copy.db")
        finally:
            store.close()
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None
    assert check_copy(tmp_path / "copy.db") > 0
