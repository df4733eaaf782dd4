"""PostgreSQL and Redis for the scale-out tests: reachability, and a fresh database per test module.

The machines here (CI included) run PostgreSQL on 127.0.0.1:5432 (trust auth, database ``test``) and
Redis on 127.0.0.1:6379. ``ICABINET_TEST_PG_URL`` / ``ICABINET_TEST_REDIS_URL`` point elsewhere. Under
``CI=true`` a missing service fails the tests that need it; on a laptop without them they skip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

PG_URL = os.environ.get("ICABINET_TEST_PG_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ICABINET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_rows(url: str, sql: str, *args: object) -> list[Any]:
    """The rows ``sql`` (with ``$1``-style ``args``) reads from the PostgreSQL database at ``url`` (none for a
    statement such as CREATE DATABASE)."""
    import asyncpg

    async def run() -> list[Any]:
        connection = await asyncpg.connect(_dsn(url), timeout=5)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    return asyncio.run(run())


def pg_problem(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used, or None."""
    try:
        pg_rows(url, "SELECT 1")
    except Exception as exc:
        return f"PostgreSQL at {make_url(url).render_as_string()} is not reachable ({exc.__class__.__name__}: {exc})"
    return None


def redis_problem(url: str = REDIS_URL) -> str | None:
    """Why Redis cannot be used, or None."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        return f"Redis at {url} is not reachable ({exc.__class__.__name__}: {exc})"
    finally:
        client.close()
    return None


def shared_redis() -> dict[str, str]:
    """Settings for the machine's Redis under a namespace of this run's own: pub/sub ignores the database
    index, so two test runs (or a test and a bench) on one Redis would otherwise hear each other's meetings."""
    return {"redis_url": REDIS_URL, "redis_namespace": f"test-{secrets.token_hex(4)}"}


def require(*problems: str | None) -> None:
    """Skip (or, under CI=true, fail: CI must run every test) when something the test needs is missing: each
    problem is why one thing cannot be used (None: it can)."""
    found = [problem for problem in problems if problem]
    if not found:
        return
    message = "; ".join(found)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


@contextmanager
def fresh_database(url: str = PG_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test run or module (dropped afterwards); yields its URL."""
    name = f"icabinet_t_{secrets.token_hex(4)}"
    pg_rows(url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        pg_rows(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private ``redis-server`` on a free port (nothing kept on disk), to kill and start again."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / f"redis-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if redis_problem(self.url) is None:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
