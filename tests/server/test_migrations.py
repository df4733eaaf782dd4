"""Alembic owns the schema: migrating an empty database gives exactly the SQLModel tables."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import server.models  # noqa: F401
from server.db import Database
from server.settings import Settings


def test_migrations_match_the_models(tmp_path: Path) -> None:
    async def diff() -> list:
        db = Database(Settings(data_dir=tmp_path))
        await db.migrate()
        await db.migrate()  # idempotent: a restart needs no repair
        async with db.write_engine.connect() as conn:
            changes = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
                )
            )
        await db.dispose()
        return changes

    assert asyncio.run(diff()) == []
