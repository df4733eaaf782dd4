"""In-process app fixtures: the real app built by create_app, driven over HTTP by Litestar's TestClient."""

from __future__ import annotations

import gc
import itertools
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings

PASSWORD = "correct-horse-42"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


class Client:
    """One logged-in user of the in-process app."""

    def __init__(self, http: TestClient, token: str | None, user: dict[str, Any] | None = None) -> None:  # type: ignore[type-arg]
        self.http = http
        self.token = token
        self.user = user or {}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # the test client keeps cookies between calls; tests authenticate by header only
        self.http.cookies.clear()
        return self.http.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


class App:
    """The app, its HTTP client and a user per system role."""

    def __init__(self, http: TestClient) -> None:  # type: ignore[type-arg]
        self.http = http
        self.users: dict[str, Client] = {}

    def login(self, username: str, password: str = PASSWORD) -> Client:
        self.http.cookies.clear()
        response = self.http.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        body = response.json()
        return Client(self.http, body["token"], body["user"])

    def anonymous(self) -> Client:
        return Client(self.http, None)

    def new_meeting(self, *, live: bool = False) -> tuple[int, list[int]]:
        """A meeting created by ``sec`` with chair, delegate and guest, and two agenda items."""
        sec = self.users["sec"]
        meeting_id = sec.ok("POST", "/api/meetings", json={"title": unique("Họp ")})["id"]
        for username, role in (("chair", "chair"), ("del1", "delegate"), ("guest", "guest")):
            sec.ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": username, "role": role})
        items = [
            sec.ok("POST", f"/api/meetings/{meeting_id}/agenda", json={"title": title})["id"]
            for title in ("Khai mạc", "Báo cáo")
        ]
        if live:
            sec.ok("POST", f"/api/meetings/{meeting_id}/start")
        return meeting_id, items

    def snapshot(self, meeting_id: int) -> Any:
        return self.users["root"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")


# ICABINET_TEST_DATABASE_URL=postgresql+asyncpg://root@127.0.0.1:5432/test runs these tests on PostgreSQL,
# each app on a database of its own (created here, dropped afterwards); unset: SQLite under tmp_path
TEST_DATABASE_URL = os.environ.get("ICABINET_TEST_DATABASE_URL")


@contextmanager
def build_app(data_dir: Path, **settings: Any) -> Iterator[App]:
    if TEST_DATABASE_URL and "database_url" not in settings:
        from tests.support.services import fresh_database  # noqa: PLC0415

        with fresh_database(TEST_DATABASE_URL) as url, build_app(data_dir, database_url=url, **settings) as world:
            yield world
        return
    app = create_app(Settings(data_dir=data_dir, **settings))
    with TestClient(app=app) as http:
        from server.cli import create_user_sync  # noqa: PLC0415

        create_user_sync(app.state.settings, "root", PASSWORD, "admin")
        world = App(http)
        root = world.login("root")
        root.ok("POST", "/api/users", json={"username": "sec", "password": PASSWORD, "role": "secretary"})
        root.ok("POST", "/api/users", json={"username": "sec2", "password": PASSWORD, "role": "secretary"})
        for username in ("chair", "del1", "guest", "outsider"):
            root.ok("POST", "/api/users", json={"username": username, "password": PASSWORD, "full_name": username})
        world.users = {"root": root}
        for username in ("sec", "sec2", "chair", "del1", "guest", "outsider"):
            world.users[username] = world.login(username)
        yield world
    # A background worker cancelled by the shutdown in the middle of a query leaves SQLAlchemy to drop that
    # aiosqlite connection without closing it; collect it here, where it is known and harmless, rather than
    # at a random later point of another test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("app")) as world:
        yield world
