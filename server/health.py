"""Can this process still write what it must? The data directory and the database, probed in the background.

A load balancer or a supervisor that reads ``/health`` then stops sending work to a process whose disk
went read-only or full, or whose database refuses writes; when the cause is fixed, the next probe
says ok again, without a restart. The probes run every ``health_probe_seconds`` in a task of their
own, so ``/health`` answers at once even when the disk or the write lock is slow.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from pathlib import Path

import anyio.to_thread
from sqlalchemy import text

from server.db import Database
from server.tasks import cancel

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 10.0


def data_dir_problem(data_dir: Path) -> str | None:
    """Why a file cannot be written (and synced) in ``data_dir``, or None."""
    try:
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".health-", suffix=".tmp") as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return f"data directory {data_dir} is not writable: {exc.strerror or exc}"
    return None


async def database_problem(db: Database) -> str | None:
    """Why the database refuses a write transaction, or None."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), db.write() as session:
            connection = await session.connection()
            if db.is_postgres:
                # a read-only server (default_transaction_read_only, a standby) answers reads but refuses changes
                read_only = await connection.execute(
                    text("SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery()")
                )
                if read_only.scalar():
                    return "database refuses writes: it is read-only"
            else:
                # a real write under the write lock: the header's user_version, set to what it is
                version = (await connection.execute(text("PRAGMA user_version"))).scalar()
                await connection.execute(text(f"PRAGMA user_version = {int(version or 0)}"))
            await session.commit()
    except Exception as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        return f"database refuses writes: {exc.__class__.__name__}: {first_line}"
    return None


async def problems(data_dir: Path, db: Database) -> list[str]:
    found = [await anyio.to_thread.run_sync(data_dir_problem, data_dir), await database_problem(db)]
    return [problem for problem in found if problem]


class HealthProbe:
    """The latest probes' findings (``problems``: empty when all is well), renewed every ``interval`` seconds."""

    def __init__(self, data_dir: Path, db: Database, interval: float) -> None:
        self.data_dir = data_dir
        self.db = db
        self.interval = interval
        self.problems: list[str] = []
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> list[str]:
        found = await problems(self.data_dir, self.db)
        if found != self.problems:
            (log.warning if found else log.info)("health: %s", "; ".join(found) or "ok again")
        self.problems = found
        return found

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel(self._task)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:
                log.exception("health probe failed; will retry")
