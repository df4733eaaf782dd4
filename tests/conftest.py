"""Fixtures: a real server process with a meeting, its staff and delegates."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.server import ServerProcess, run_cli
from tests.support.softhsm import SigningPki, softhsm_tokens

PASSWORD = "correct-horse-42"

# one line per request drowns the output of a failing test
logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Close every API client the test opened and did not close (their sockets would be collected later,
    in another test); clients of wider-scoped fixtures, made before this runs, stay open."""
    before = set(Api.live)
    yield
    for api in set(Api.live) - before:
        api.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test's report carries the log of each server it started or that is still running (a wider
    fixture's), with the stacks of the running ones, so a failure seen once (on CI) can be understood from
    its report alone."""
    report: pytest.TestReport = yield
    if report.failed:
        since = getattr(item, "_servers_from", len(ServerProcess.started))
        for index, server in enumerate(ServerProcess.started):
            if index < since and not server.running():
                continue
            server.dump_stacks()
            if server.log_path.exists():
                tail = server.log_tail().decode("utf-8", "replace")
                report.sections.append((f"server log {server.port}", tail))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item._servers_from = len(ServerProcess.started)  # type: ignore[attr-defined]


@dataclass
class MeetingWorld:
    """A started server, an admin, a secretary who created a meeting, and its people."""

    server: ServerProcess
    meeting_id: int
    users: dict[str, Api] = field(default_factory=dict)
    item_ids: list[int] = field(default_factory=list)

    def __getitem__(self, username: str) -> Api:
        return self.users[username]

    def close(self) -> None:
        for api in self.users.values():
            api.close()


def make_world(server: ServerProcess, data_dir: Path) -> MeetingWorld:
    result = run_cli(
        data_dir, "user", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n", **server.settings
    )
    assert result.returncode == 0, result.stderr
    admin = Api.login(server.url, "root", PASSWORD)
    admin.ok(
        "POST",
        "/api/users",
        json={"username": "sec", "password": PASSWORD, "role": "secretary", "full_name": "Nguyễn Thư Ký"},
    )
    for username in ("chair", "del1", "del2", "guest", "outsider"):
        admin.ok("POST", "/api/users", json={"username": username, "password": PASSWORD, "full_name": username})
    sec = Api.login(server.url, "sec", PASSWORD)
    meeting = sec.ok("POST", "/api/meetings", json={"title": "Họp giao ban", "location": "Phòng 1"})
    for username, role in (("chair", "chair"), ("del1", "delegate"), ("del2", "delegate"), ("guest", "guest")):
        sec.ok("POST", f"/api/meetings/{meeting['id']}/participants", json={"username": username, "role": role})
    world = MeetingWorld(server=server, meeting_id=meeting["id"])
    world.users = {"root": admin, "sec": sec}
    for username in ("chair", "del1", "del2", "guest", "outsider"):
        world.users[username] = Api.login(server.url, username, PASSWORD)
    for title in ("Khai mạc", "Báo cáo kinh tế - xã hội", "Chuyển đổi số"):
        world.item_ids.append(sec.ok("POST", f"/api/meetings/{meeting['id']}/agenda", json={"title": title})["id"])
    return world


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", ws_heartbeat_seconds="0.5", ws_idle_timeout_seconds="3").start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def world(server: ServerProcess, tmp_path: Path) -> Iterator[MeetingWorld]:
    built = make_world(server, tmp_path / "data")
    yield built
    built.close()


# SoftHSM reads its configuration once per process, when python-pkcs11 first loads it: one set of tokens for
# the whole run, one per person the signing tests sign as (test users and the demo's)
SIGNERS = {
    "sec": "Nguyễn Thị Thư Ký",
    "chair": "Trần Văn Chủ Tọa",
    "thuky": "Nguyễn Thị Thu",
    "chutich": "Trần Văn Minh",
}


@pytest.fixture(scope="session")
def signing_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigningPki]:
    """SoftHSM2 tokens for SIGNERS with certificates a test CA issued (tests/support/softhsm.py)."""
    with softhsm_tokens(tmp_path_factory.mktemp("softhsm"), SIGNERS) as pki:
        yield pki
