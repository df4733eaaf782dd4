"""Claims on background work, so that several processes sharing one database do each piece of it once.

A lease is a row ``(key, owner, until)`` in ``work_lease``: ``version:12`` (a version's text extraction),
``page:345`` (one scanned page's OCR), ``copy:12`` (a version's searchable copy), ``search-index`` (the one
process that writes the search index). Its owner is ``cluster.instance``; it lasts ``lease_seconds`` and is
renewed while the work goes on, so a killed owner's claim runs out and another process takes the work over.

Claiming is one statement (``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE expired or mine RETURNING``),
atomic on PostgreSQL and SQLite alike. One process alone (no Redis: ``settings.is_shared`` false) has no one
to share with: every claim then succeeds without touching the database.

Times are the processes' own clocks (UTC): the machines of one installation keep them in step (NTP), far
closer than the seconds a lease lasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import Column, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col, select

from server.db import Database, UTCDateTime, utcnow
from server.tasks import cancel

log = logging.getLogger(__name__)


class WorkLease(SQLModel, table=True):
    __tablename__ = "work_lease"

    key: str = Field(primary_key=True, max_length=200)
    owner: str = Field(max_length=64)
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Leases:
    """Claims owned by this process (``owner``), each lasting ``seconds`` unless renewed."""

    def __init__(self, db: Database, owner: str, seconds: float, *, shared: bool) -> None:
        self.db = db
        self.owner = owner
        self.seconds = seconds
        self.shared = shared
        """False: this process is alone, every claim succeeds and nothing is written."""

    @property
    def renew_every(self) -> float:
        """How often a held lease is renewed: three tries before it could run out."""
        return self.seconds / 3

    async def claim(self, key: str) -> bool:
        """Take ``key`` (free, expired or already ours) for ``seconds`` from now; False when another process
        holds it. Claiming a key held is renewing it."""
        if not self.shared:
            return True
        now = utcnow()
        table = WorkLease.__table__  # type: ignore[attr-defined]
        async with self.db.write() as session:
            connection = await session.connection()
            insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            statement = insert(table).values(key=key, owner=self.owner, until=now + timedelta(seconds=self.seconds))
            claimed = statement.on_conflict_do_update(
                index_elements=["key"],
                set_={"owner": statement.excluded.owner, "until": statement.excluded.until},
                where=or_(table.c.until < now, table.c.owner == self.owner),
            ).returning(table.c.key)
            won = (await session.exec(claimed)).first() is not None
            await session.commit()
        return won

    async def release(self, key: str) -> None:
        """Give ``key`` up (if it is still ours), so another process need not wait for it to run out."""
        if not self.shared:
            return
        async with self.db.write() as session:
            await session.exec(delete(WorkLease).where(col(WorkLease.key) == key, col(WorkLease.owner) == self.owner))
            await session.commit()

    async def held(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` another process holds now (a live lease not ours)."""
        keys = list(keys)
        if not self.shared or not keys:
            return set()
        async with self.db.read() as session:
            rows = await session.exec(
                select(WorkLease.key).where(
                    col(WorkLease.key).in_(keys), col(WorkLease.owner) != self.owner, col(WorkLease.until) >= utcnow()
                )
            )
            return set(rows.all())

    async def until_wanted(self, wanted: asyncio.Event) -> None:
        """A worker's rest: until ``wanted`` is set (then cleared), or ``seconds`` at most: the worker then
        looks for work anyway, for work another process queued unheard or left behind when it died, and
        for work whose wake was lost in this one (a recording left queued until the next start)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wanted.wait(), self.seconds)
        wanted.clear()

    @asynccontextmanager
    async def holding(self, key: str) -> AsyncIterator[bool]:
        """Claim ``key`` and renew it until the block ends, then release it; yields False (and holds
        nothing) when another process has it."""
        if not await self.claim(key):
            yield False
            return
        renewer = asyncio.create_task(self._renew(key)) if self.shared else None
        try:
            yield True
        finally:
            await cancel(renewer)
            try:
                await self.release(key)
            except Exception:  # it runs out by itself
                log.warning("releasing the lease %s failed", key, exc_info=True)

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                if not await self.claim(key):
                    log.warning("the lease %s was taken over by another process while this one worked", key)
                    return
            except Exception:
                log.warning("renewing the lease %s failed; trying again", key, exc_info=True)
