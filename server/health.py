"""Can this process still write what it must? The data directory and the database, probed on each ``/health``.

A load balancer or a supervisor that reads ``/health`` then stops sending work to a process whose disk
went read-only or full, or whose database refuses writes; when the cause is fixed, the next probe
says ok again, without a restart.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import anyio.to_thread
from sqlalchemy import text

from server.db import Database

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
            if db.is_postgres:
                # a read-only server (default_transaction_read_only, a standby) answers reads but refuses changes
                read_only = await session.execute(
                    text("SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery()")
                )
                if read_only.scalar():
                    return "database refuses writes: it is read-only"
            else:
                # a real write under the write lock: the header's user_version, set to what it is
                version = (await session.execute(text("PRAGMA user_version"))).scalar()
                await session.execute(text(f"PRAGMA user_version = {int(version or 0)}"))
            await session.commit()
    except Exception as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        return f"database refuses writes: {exc.__class__.__name__}: {first_line}"
    return None


async def problems(data_dir: Path, db: Database) -> list[str]:
    found = [await anyio.to_thread.run_sync(data_dir_problem, data_dir), await database_problem(db)]
    return [problem for problem in found if problem]
