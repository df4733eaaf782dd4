"""Claims on background work, on SQLite (the same statement runs on PostgreSQL in tests/e2e/test_scaleout_work.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.db import Database
from server.leases import Leases
from server.settings import Settings


def test_a_claim_belongs_to_one_process_until_it_is_released_or_runs_out(tmp_path: Path) -> None:
    async def run() -> None:
        db = Database(Settings(data_dir=tmp_path))
        await db.migrate()
        a = Leases(db, "aaaa", 2.0, shared=True)
        b = Leases(db, "bbbb", 2.0, shared=True)
        try:
            assert await a.claim("version:1")
            assert not await b.claim("version:1")
            assert await a.claim("version:1")  # renewing
            assert await b.held(["version:1", "version:2"]) == {"version:1"}
            assert await a.held(["version:1"]) == set()  # its own claim is not someone else's
            await a.release("version:1")
            assert await b.claim("version:1")
            await a.release("version:1")  # not a's any more: b keeps it
            assert not await a.claim("version:1")

            short = Leases(db, "cccc", 0.2, shared=True)
            assert await short.claim("page:7")
            assert not await a.claim("page:7")
            await asyncio.sleep(0.3)  # cccc was killed: its claim runs out
            assert await a.held(["page:7"]) == set()
            assert await a.claim("page:7")
            assert not await short.claim("page:7")
        finally:
            await db.dispose()

    asyncio.run(run())


def test_one_process_alone_always_has_its_claims(tmp_path: Path) -> None:
    async def run() -> None:
        db = Database(Settings(data_dir=tmp_path))
        await db.migrate()
        alone = Leases(db, "aaaa", 30.0, shared=False)
        try:
            async with alone.holding("search-index") as mine:
                assert mine and await alone.claim("search-index")
            assert await Leases(db, "bbbb", 30.0, shared=True).claim("search-index")  # nothing was written
        finally:
            await db.dispose()

    asyncio.run(run())


def test_a_resting_worker_looks_for_work_unasked_after_the_lease_time_even_alone(tmp_path: Path) -> None:
    async def run() -> None:
        db = Database(Settings(data_dir=tmp_path))
        alone = Leases(db, "aaaa", 0.2, shared=False)
        wanted = asyncio.Event()
        # nobody sets `wanted` (a wake lost): the rest ends by itself
        await asyncio.wait_for(alone.until_wanted(wanted), 5.0)
        wanted.set()
        await alone.until_wanted(wanted)
        assert not wanted.is_set()  # cleared for the next rest
        await db.dispose()

    asyncio.run(run())
