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
    user's meetings, notes, ballots) on every installation that upgrades. No migration may drop a table that
    a table existing at that moment refers to."""
    refers: dict[str, set[str]] = {}  # each table created so far -> the tables it refers to
    dropped: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        created = re.match(r'\s*CREATE TABLE\s+"?(\w+)"?', statement, re.IGNORECASE)
        if created:
            refers[created.group(1)] = set(re.findall(r'REFERENCES\s+"?(\w+)"?', statement, re.IGNORECASE))
        renamed = re.match(r'\s*ALTER TABLE\s+"?(\w+)"?\s+RENAME TO\s+"?(\w+)"?', statement, re.IGNORECASE)
        if renamed:
            refers[renamed.group(2)] = refers.pop(renamed.group(1), set())
        drop = re.match(r'\s*DROP TABLE\s+"?(\w+)"?', statement, re.IGNORECASE)
        if drop:
            table = drop.group(1)
            refers.pop(table, None)
            if any(table in targets for other, targets in refers.items() if other != table):
                dropped.append(table)

    async def upgrade() -> None:
        db = Database(Settings(data_dir=tmp_path))
        event.listen(db.write_engine.sync_engine, "before_cursor_execute", record)
        await db.migrate()
        await db.dispose()

    asyncio.run(upgrade())
    assert "user" in refers["participant"]  # the statements were seen
    assert dropped == []
