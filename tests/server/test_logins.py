"""Logins: throttled per account and per address, every failure audited, new passwords checked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import PASSWORD, App, build_app, unique
from tests.support.server import run_cli
from tests.support.services import REDIS_URL, redis_problem, require


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    # the account locks for 1 s after 2 failures; the address (every test here comes from one) practically never
    with build_app(
        tmp_path_factory.mktemp("logins"),
        login_account_free_attempts=2,
        login_address_free_attempts=10_000,
        login_lock_seconds=1,
    ) as world:
        yield world


def login(app: App, username: str, password: str, **headers: str) -> object:
    app.http.cookies.clear()
    return app.http.post("/api/auth/login", json={"username": username, "password": password}, headers=headers)


def new_user(app: App) -> str:
    username = unique("account.user")
    app.users["root"].ok("POST", "/api/users", json={"username": username, "password": PASSWORD})
    return username


def test_failures_lock_the_account_with_a_growing_retry_after(app: App) -> None:
    username = new_user(app)
    assert [login(app, username, "wrong-password").status_code for _ in range(2)] == [401, 401]
    locked = login(app, username, "wrong-password", **{"Accept-Language": "en"})
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "1"
    assert locked.json() == {"status_code": 429, "detail": "Too many failed logins; try again in 1 seconds"}
    # the right password does not get through a lock either (and is not hashed)
    assert login(app, username, PASSWORD).status_code == 429
    # a refused attempt does not count; each counted failure after the lock has passed doubles it: 1, 2, 4 s
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while "4" not in seen and time.monotonic() < deadline:
        response = login(app, username, "wrong-password")
        assert response.status_code == 429
        seen.append(response.headers["retry-after"])
        time.sleep(0.2)
    assert "4" in seen and seen.index("2") < seen.index("4"), seen


def test_a_success_resets_the_account(app: App) -> None:
    username = new_user(app)
    assert [login(app, username, "wrong-password").status_code for _ in range(3)] == [401, 401, 429]
    deadline = time.monotonic() + 15
    response = login(app, username, PASSWORD)
    while response.status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.2)
        response = login(app, username, PASSWORD)
    assert response.status_code == 200
    assert [login(app, username, "wrong-password").status_code for _ in range(2)] == [401, 401]


def test_the_lock_holds_whatever_the_case_of_the_username(app: App) -> None:
    username = new_user(app)
    for _ in range(2):
        login(app, username, "wrong-password")
    assert login(app, username.upper(), "wrong-password").status_code == 429
    assert login(app, username, PASSWORD).status_code == 429


def test_every_failed_login_is_audited(app: App) -> None:
    username = new_user(app)
    stranger = unique("nobody")
    login(app, stranger, PASSWORD)
    for _ in range(4):  # 401, 401, 429 (counted), 429 (refused at once)
        login(app, username, "wrong-password")
    rows = app.users["root"].ok("GET", "/api/audit", params={"action": "auth.login_failed", "limit": 1000})
    mine = [row for row in rows if row["detail"]["username"] in (username, stranger)]
    reasons = sorted(row["detail"]["reason"] for row in mine)
    assert reasons == ["password", "password", "password", "throttled", "unknown_user"]
    assert all(row["detail"]["address"] == "testclient" for row in mine)
    assert {row["target_id"] for row in mine if row["detail"]["reason"] == "password"} == {
        next(user["id"] for user in app.users["root"].ok("GET", "/api/users") if user["username"] == username)
    }
    assert all("password" not in key for row in mine for key in row["detail"] if key != "reason")


def test_failures_from_one_address_lock_that_address(tmp_path: Path) -> None:
    with build_app(tmp_path, login_account_free_attempts=1000, login_address_free_attempts=3) as world:
        statuses = [login(world, unique("guess"), "wrong-password").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        refused = login(world, "del1", PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_the_throttle_is_shared_by_processes_on_one_redis(tmp_path: Path) -> None:
    require(redis_problem())
    namespace = f"test-{unique('ns')}-{time.time_ns()}"
    shared = {"redis_url": REDIS_URL, "redis_namespace": namespace, "login_account_free_attempts": 2}
    with build_app(tmp_path / "a", **shared) as first, build_app(tmp_path / "b", **shared) as second:
        assert [login(first, "del1", "wrong-password").status_code for _ in range(2)] == [401, 401]
        # the other process counts on from there
        assert login(second, "del1", "wrong-password").status_code == 429
        assert login(first, "del1", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-1", "at least 10 characters"),
        ("qwertyuiop", "common passwords"),
        ("Password123", "common passwords"),
        ("{username}", "username"),
    ],
)
def test_new_passwords_must_be_long_uncommon_and_not_the_username(app: App, password: str, why: str) -> None:
    root = app.users["root"]
    username = unique("longusername")
    created = root.request(
        "POST",
        "/api/users",
        json={"username": username, "password": password.format(username=username.upper())},
        headers={"Accept-Language": "en"},
    )
    assert created.status_code == 400 and why in created.text
    existing = new_user(app)
    user_id = next(user["id"] for user in root.ok("GET", "/api/users") if user["username"] == existing)
    changed = root.request(
        "PATCH",
        f"/api/users/{user_id}",
        json={"password": password.format(username=existing)},
        headers={"Accept-Language": "en"},
    )
    assert changed.status_code == 400 and why in changed.text
    assert login(app, existing, PASSWORD).status_code == 200  # the old password still works


def test_the_cli_refuses_a_common_password(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "user", "add", "thuky9", "--password-stdin", stdin="1234567890\n")
    assert result.returncode != 0 and "common passwords" in result.stderr


def test_the_demo_passwords_comply() -> None:
    from server.auth.passwords import password_problem
    from server.demo import PEOPLE

    for username, password, *_ in PEOPLE:
        assert password_problem(password, username) is None, username


def test_a_password_being_checked_holds_no_lock_on_the_database(app: App) -> None:
    """While a login's password hash is computed, other requests can write: the read of the account ended
    before the hash (on SQLite it had taken the write lock, and every change waited for every login's hash)."""
    from sqlalchemy.exc import OperationalError

    state = app.http.app.state
    if state.db.is_postgres:
        pytest.skip("SQLite's database-wide write lock")
    username = new_user(app)
    hashing = state.login_guard.hashing
    verify = hashing.verify
    probes: list[str] = []

    async def write_meanwhile() -> str:
        """Take the write lock as another request would, giving up after 0.2 s instead of the 30 s busy wait."""
        async with state.db.lookup() as conn:
            await conn.exec_driver_sql("PRAGMA busy_timeout=200")
            try:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
                await conn.exec_driver_sql("ROLLBACK")
                return "written"
            except OperationalError as exc:
                return str(exc.orig)
            finally:
                await conn.exec_driver_sql("PRAGMA busy_timeout=30000")

    async def checked_while_another_writes(password_hash: str | None, password: str) -> bool:
        probes.append(await write_meanwhile())
        return await verify(password_hash, password)

    hashing.verify = checked_while_another_writes
    try:
        response = login(app, username, PASSWORD)
    finally:
        del hashing.verify
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert probes == ["written"]
