"""Alembic owns the schema: migrating an empty database gives exactly the SQLModel tables."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event
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


def test_no_migration_rebuilds_a_table_other_rows_refer_to(tmp_path: Path) -> None:
    """SQLite cannot alter a column in place: Alembic's batch mode copies the table, drops it and renames the
    copy, and with foreign keys on, the drop deletes every row that refers to it with ON DELETE CASCADE (a
    user's meetings, notes, ballots) on every installation that upgrades. No migration may do that."""
    referred = {fk.column.table.name for table in SQLModel.metadata.tables.values() for fk in table.foreign_keys}
    dropped: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        match = re.match(r'\s*DROP TABLE\s+"?(\w+)"?', statement, re.IGNORECASE)
        if match and match.group(1) in referred:
            dropped.append(match.group(1))

    async def upgrade() -> None:
        db = Database(Settings(data_dir=tmp_path))
        event.listen(db.write_engine.sync_engine, "before_cursor_execute", record)
        await db.migrate()
        await db.dispose()

    asyncio.run(upgrade())
    assert dropped == []
