"""Audit rows for reads (page views, downloads), written in batches off the request path.

A page flick must not wait for a disk sync; views are buffered and flushed
every ``interval`` seconds (and on shutdown), so a crash loses at most that
window of read records, never a change.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from server.audit import AuditEntry
from server.db import Database
from server.tasks import cancel

log = logging.getLogger(__name__)


class AuditBuffer:
    def __init__(self, db: Database, interval: float = 0.5) -> None:
        self.db = db
        self.interval = interval
        self.pending: list[AuditEntry] = []
        self._task: asyncio.Task[None] | None = None
        # one flush at a time: a reader's flush waits for the batch the timer is still writing
        self._flushing = asyncio.Lock()

    def record(
        self,
        actor_id: int | None,
        action: str,
        target_type: str,
        target_id: int | None,
        *,
        meeting_id: int | None = None,
        **detail: Any,
    ) -> None:
        self.pending.append(
            AuditEntry(
                actor_id=actor_id,
                action=action,
                target_type=target_type,
                target_id=target_id,
                meeting_id=meeting_id,
                detail=detail,
            )
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel(self._task)
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                log.exception("audit flush failed; will retry")

    async def flush(self) -> None:
        """Write what is pending; when it returns, every record made before the call is in the database."""
        async with self._flushing:
            if not self.pending:
                return
            batch, self.pending = self.pending, []
            try:
                async with self.db.write() as session:
                    session.add_all(batch)
                    await session.commit()
            except Exception:
                self.pending[:0] = batch
                raise
