"""Database engine, sessions, and the migrations hook.

SQLite (the embedded default) gets two engines on the same file: reads run as
ordinary deferred transactions, writes start with ``BEGIN IMMEDIATE`` so two
writers queue on the busy timeout instead of failing with "database is
locked" when both try to upgrade a read lock. PostgreSQL uses one engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.di import NamedDependency
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from server import db_sqlite
from server.input_guard import refuse_unstorable
from server.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x1CAB1E7  # PostgreSQL advisory lock key held while migrating

# the per-request session route handlers ask for by name (``db_session``)
DbSession = NamedDependency[AsyncSession]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AppSession(Session):
    """Session whose ``info["after_commit"]`` callbacks run once the commit succeeded."""


@event.listens_for(AppSession, "after_commit")
def _run_after_commit(session: Session) -> None:
    """Run the callbacks; one that fails is logged and the others still run. The commit has succeeded by now:
    an exception from here would reach the committer as if it had not (a document worker would take its
    finished work for failed and never have it indexed)."""
    callbacks: list[Callable[[], None]] = session.info.pop("after_commit", [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("a callback after a commit failed (the commit stands)")


@event.listens_for(AppSession, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` after the session's next successful commit, never after a rollback."""
    session.sync_session.info.setdefault("after_commit", []).append(callback)


def _sqlite_pragmas(synchronous: str) -> Callable[..., None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not the driver, decide when transactions begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # deleted rows and freed pages are overwritten with zeros, not left in the file for a forensic read
        # (a secret poll's voter rows, rewritten at its close: docs/secret-ballots.md)
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    return on_connect


def _sqlite_begin(immediate: bool) -> Callable[[Connection], None]:
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return on_begin


def _make_engine(url: str, *, immediate: bool | None, synchronous: str = "normal", inline: bool = False) -> AsyncEngine:
    """``immediate``: writes (BEGIN IMMEDIATE), reads (BEGIN), or None: single statements, no BEGIN at all.
    ``inline``: for snapshots. SQLite: statements run on the event loop's thread (``db_sqlite.InlineCursor``);
    PostgreSQL: REPEATABLE READ transactions, set once per connection (not set and reset at each checkout)."""
    engine = _new_engine(url, immediate=immediate, synchronous=synchronous, inline=inline)
    # a NUL in text or an integer too wide for the columns is the request's mistake: 400, not the driver's 500
    event.listen(engine.sync_engine, "before_cursor_execute", refuse_unstorable(64 if url.startswith("sqlite") else 32))
    return engine


def _new_engine(url: str, *, immediate: bool | None, synchronous: str, inline: bool) -> AsyncEngine:
    if url.startswith("sqlite"):
        parsed = make_url(url)
        if parsed.drivername == "sqlite+aiosqlite":
            parsed = parsed.set(drivername=db_sqlite.INLINE_DRIVER if inline else db_sqlite.DRIVER)
        # check_same_thread=False lets OneHopConnection ask, from the event loop, whether a transaction is open;
        # aiosqlite still runs every call on the connection's own thread, one at a time
        engine = create_async_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(synchronous))
        if immediate is not None:
            event.listen(engine.sync_engine, "begin", _sqlite_begin(immediate))
        return engine
    if inline:
        # a second pool beside the first, kept small (PostgreSQL counts connections per server) and without
        # overflow: a burst of connects waits for one of its connections rather than opening and closing more
        return create_async_engine(
            url, pool_pre_ping=True, pool_size=8, max_overflow=0, isolation_level="REPEATABLE READ"
        )
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """Owns the engines and hands out sessions: ``read()`` for queries, ``write()`` for changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.resolved_database_url
        if url.startswith("sqlite"):
            settings.ensure_data_dir()
        self.write_engine = _make_engine(url, immediate=True, synchronous=settings.sqlite_synchronous)
        self.read_engine = (
            _make_engine(url, immediate=False, synchronous=settings.sqlite_synchronous)
            if url.startswith("sqlite")
            else self.write_engine
        )
        # one statement, no transaction around it: BEGIN, SELECT, ROLLBACK were three hops to the database
        # thread for the token read of every request; a single SELECT is consistent on its own
        self.lookup_engine = (
            _make_engine(url, immediate=None, synchronous=settings.sqlite_synchronous)
            if url.startswith("sqlite")
            else self.write_engine
        )
        # a tablet's snapshot: a few small indexed reads, each cheaper than the two thread switches around it
        self.snapshot_engine = _make_engine(url, immediate=False, synchronous=settings.sqlite_synchronous, inline=True)
        self._write = async_sessionmaker(
            self.write_engine, class_=AsyncSession, sync_session_class=AppSession, expire_on_commit=False
        )
        self._read = async_sessionmaker(
            self.read_engine, class_=AsyncSession, sync_session_class=AppSession, expire_on_commit=False
        )
        self.is_postgres = url.startswith("postgresql")

    def write(self) -> AsyncSession:
        return self._write()

    def read(self) -> AsyncSession:
        return self._read()

    def snapshot_read(self) -> AsyncSession:
        """A session whose queries all see one consistent state (snapshot + its seq)."""
        return AsyncSession(self.snapshot_engine, sync_session_class=AppSession, expire_on_commit=False)

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (Alembic), creating it on an empty database."""
        async with self.write_engine.connect() as conn:
            if self.is_postgres:  # several processes start at once: one migrates, the others wait and find it done
                await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            await conn.run_sync(_upgrade_head)
            await conn.commit()

    async def forget_history(self, attempts: int = 3) -> bool:
        """SQLite: copy the write-ahead log into the database file and cut the log to zero bytes.

        The log keeps an image of every page each commit wrote, so while it lasts an old state can be read
        back (for a secret poll: who joined the voters at the commit that moved which count). With
        ``secure_delete`` on, the database file then holds only the current rows. The checkpoint waits (up to
        the busy timeout) for readers still on an older snapshot, and reports busy if one outlasts it; it is
        tried ``attempts`` times. False if it never got through (each start of the server tries again).
        PostgreSQL: nothing to do here (docs/secret-ballots.md says what remains).
        """
        if self.is_postgres:
            return True
        for _ in range(attempts):
            async with self.lookup() as conn:
                busy, _log, _done = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            if not busy:
                return True
            await asyncio.sleep(0.1)
        log.error("the write-ahead log could not be truncated: readers kept it busy; the next start retries")
        return False

    def lookup(self) -> AsyncConnection:
        """A connection for one read statement (SQLite: autocommit, no BEGIN or ROLLBACK)."""
        return self.lookup_engine.connect()

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        for engine in (self.read_engine, self.lookup_engine, self.snapshot_engine):
            if engine is not self.write_engine:
                await engine.dispose()


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade_head(connection: Connection) -> None:
    from alembic import command

    # "heads": features developed side by side may add migrations on parallel branches until a merge
    # revision joins them; every branch is applied either way
    command.upgrade(alembic_config(connection), "heads")


async def session_for_request(db: Database, method: str, *, writes: bool = False) -> AsyncIterator[AsyncSession]:
    """A read session for GET and HEAD, a write session otherwise or where the route says it ``writes`` (a GET
    that changes something, such as the return from a sign-in provider). On SQLite a read transaction that then
    writes must upgrade its lock, and the upgrade fails at once ("database is locked") while another writer is
    busy instead of waiting its turn."""
    session = db.read() if method in ("GET", "HEAD") and not writes else db.write()
    try:
        yield session
    finally:
        await session.close()


def run_sync(coro: Any) -> Any:
    """Run a coroutine from synchronous code (the CLI)."""
    return asyncio.run(coro)
