"""SQLite through aiosqlite, one thread hop per statement instead of four, or none for small reads.

SQLAlchemy's aiosqlite adapter makes a statement four round trips to the
driver's thread (create a cursor, execute, fetch, close), each a queue hand-off
and a wake-up of the event loop: about 0.4 ms per statement on this machine, far
more than SQLite takes to run it. Here the four happen in one call on that
thread, and the closed cursor's description, rowcount and lastrowid (plain
attributes, readable from any thread) are read afterwards. Everything else is
SQLAlchemy's own dialect; the URL stays ``sqlite+aiosqlite://``.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "sqlite+icabinet_aiosqlite"  # registered below; db.py swaps it in for sqlite+aiosqlite
INLINE_DRIVER = "sqlite+icabinet_inline"  # the snapshot reads' (InlineDialect)


class _NotExecuted:
    """What a cursor reports before its first statement."""

    description = None
    rowcount = -1
    lastrowid = None
    arraysize = 1


def _run(conn: sqlite3.Connection, operation: str, parameters: Any) -> tuple[sqlite3.Cursor, list[Any] | None]:
    cursor = conn.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else None
    finally:
        cursor.close()
    return cursor, rows


def _run_many(conn: sqlite3.Connection, operation: str, rows: Sequence[Any]) -> sqlite3.Cursor:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, rows)
    finally:
        cursor.close()
    return cursor


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _NotExecuted()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        driver = self._connection
        async with self._adapt_connection._execute_mutex:
            cursor, rows = await driver._execute(_run, driver._conn, operation, parameters)  # type: ignore[attr-defined]
        self._cursor = cursor
        if rows is not None:
            self._rows = collections.deque(rows)
        return cursor

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        driver = self._connection
        async with self._adapt_connection._execute_mutex:
            self._cursor = await driver._execute(_run_many, driver._conn, operation, seq_of_parameters)  # type: ignore[attr-defined]
        return self._cursor

    def close(self) -> None:
        self._rows.clear()  # the driver's cursor was closed on its own thread


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def rollback(self) -> None:
        # SQLAlchemy rolls back when a connection closes and again when the pool takes it back, also where no
        # transaction was begun (a single autocommit statement): each would be a hop for nothing
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def _in_transaction(self) -> bool:
        conn = self._connection._connection
        return conn is not None and bool(conn.in_transaction)


class InlineCursor(OneHopCursor):
    """Runs each statement on the event loop's thread: for the few small, indexed reads of a tablet's snapshot
    (a reconnect storm makes a thousand of them at once), where the thread hops cost more than the queries.
    Reads of a WAL database never wait for a writer, so the loop is held only for the query itself."""

    __slots__ = ()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        cursor, rows = _run(self._connection._connection, operation, parameters)  # type: ignore[attr-defined]
        self._cursor = cursor
        if rows is not None:
            self._rows = collections.deque(rows)
        return cursor

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._cursor = _run_many(self._connection._connection, operation, seq_of_parameters)  # type: ignore[attr-defined]
        return self._cursor


class InlineConnection(OneHopConnection):
    __slots__ = ()
    _cursor_cls = InlineCursor

    def rollback(self) -> None:
        if self._in_transaction():
            self._connection._connection.rollback()

    def commit(self) -> None:
        if self._in_transaction():
            self._connection._connection.commit()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    connection_class: type[OneHopConnection] = OneHopConnection

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = super().connect(*arg, **kw)
        connection.__class__ = self.connection_class
        return connection


class InlineDBAPI(OneHopDBAPI):
    connection_class = InlineConnection


class OneHopDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True
    dbapi_class: type[OneHopDBAPI] = OneHopDBAPI

    @classmethod
    def import_dbapi(cls) -> AsyncAdapt_aiosqlite_dbapi:
        import aiosqlite

        return cls.dbapi_class(aiosqlite, sqlite3)


class InlineDialect(OneHopDialect):
    supports_statement_cache = True
    dbapi_class = InlineDBAPI


registry.register("sqlite.icabinet_aiosqlite", __name__, "OneHopDialect")
registry.register("sqlite.icabinet_inline", __name__, "InlineDialect")
