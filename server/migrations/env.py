"""Alembic environment. The app passes an open connection (``config.attributes``);
``alembic`` on the command line uses ``ICABINET_DATABASE_URL`` / the default SQLite file."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers every table)

target_metadata = SQLModel.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    from server.db import Database
    from server.settings import Settings

    db = Database(Settings())
    async with db.write_engine.connect() as conn:
        await conn.run_sync(run_with)
        await conn.commit()
    await db.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    asyncio.run(run_standalone())
