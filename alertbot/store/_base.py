"""Shared plumbing for the store's parts: the connection and time conversions."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database


def to_dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def to_ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def now_ts() -> float:
    return time.time()


class StoreBase:
    """Holds the sqlite-utils `Database`; every part of the store is a mixin over it."""

    db: Database

    @contextlib.contextmanager
    def _atomic(self) -> Iterator[Database]:
        """One transaction that holds the write lock from its start (nested: a savepoint).

        A plain BEGIN reads first and asks for the lock at the first write; in WAL mode, if
        another connection (a /search catching its index up) wrote in between, SQLite
        refuses that upgrade at once with "database is locked", busy_timeout or not.
        BEGIN IMMEDIATE waits for the lock instead, up to busy_timeout.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.conn.rollback()
            raise
        else:
            self.db.conn.commit()

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]
