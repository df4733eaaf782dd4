"""The websocket's snapshot shares its viewer-independent part per meeting and seq (server/live/snapshot.py).

A change that alters that part without moving the meeting's seq would leave the part built at the old seq in
the cache, and every tablet connecting afterwards would get it. So after each kind of change, each kind of
viewer connects through a real websocket (while a tablet of the meeting stays connected, so the part built
before the change is still held) and its snapshot must equal one built afresh over HTTP, which caches nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MeetingWorld
from tests.support.live import Tablet
from tests.support.server import ServerProcess
from tests.support.services import fresh_database, pg_problem, redis_problem, require, shared_redis

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures"
VIEWERS = ("sec", "chair", "del1", "del2", "guest")
"""Secretary, chair, a delegate off the confidential document's readers (del1, until added), one on it
(del2), and a guest."""


QUIET = {"ws_heartbeat_seconds": "3600", "ws_idle_timeout_seconds": "7200"}
"""No heartbeat: the tablet that keeps the meeting's room open is not read while the test works."""


@pytest.fixture(params=["sqlite", "postgresql-two-processes"])
def processes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """The process changes go through, and the one tablets connect to: one SQLite process, or two processes
    on PostgreSQL and Redis (a part cached in one must follow changes made through the other)."""
    if request.param == "sqlite":
        process = ServerProcess(tmp_path / "data", **QUIET).start(timeout=180)
        try:
            yield process, process
        finally:
            process.stop()
        return
    require(pg_problem(), redis_problem())
    with fresh_database() as url:
        settings = dict(database_url=url, dense_search="false", ocr="false", **shared_redis(), **QUIET)
        first = ServerProcess(tmp_path / "data", **settings).start(timeout=180)
        second = ServerProcess(tmp_path / "data", **settings).start(timeout=180)
        try:
            yield first, second
        finally:
            first.stop()
            second.stop()


@pytest.fixture
def server(processes: tuple[ServerProcess, ServerProcess]) -> ServerProcess:
    return processes[0]


@pytest.fixture
def tablet_url(processes: tuple[ServerProcess, ServerProcess]) -> str:
    return processes[1].ws_url


async def connected_snapshot(
    world: MeetingWorld, tablet_url: str, username: str, *, deflate: bool = False
) -> dict[str, Any]:
    """The snapshot a tablet of `username` gets on connecting; `deflate`: asking for it compressed, as the
    kiosk does (its head is then compressed once per seq and kept with the shared part)."""
    tablet = await Tablet(tablet_url, world.meeting_id, world[username].token, deflate=deflate).connect()
    try:
        message = await tablet.receive(within=60)
    finally:
        await tablet.close()
    assert message["type"] == "snapshot" and tablet.binary_snapshots == int(deflate)
    return message


async def check_every_viewer(world: MeetingWorld, tablet_url: str, change: str) -> None:
    """Each viewer's websocket snapshot, as text and compressed, equals a fresh one of the same seq (background
    events such as a document's processing may move the seq between the reads: then all are read again)."""
    for username in VIEWERS:
        for _ in range(10):
            shared = await connected_snapshot(world, tablet_url, username)
            deflated = await connected_snapshot(world, tablet_url, username, deflate=True)
            fresh = world[username].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
            if shared["seq"] == deflated["seq"] == fresh["seq"]:
                assert shared["state"] == fresh["state"], f"after {change}, as {username}"
                assert deflated["state"] == fresh["state"], f"after {change}, as {username}, compressed"
                break
        else:
            raise AssertionError(f"after {change}, as {username}: the seq never stood still")


def participant_id(world: MeetingWorld, username: str) -> int:
    people = world["sec"].ok("GET", f"/api/meetings/{world.meeting_id}/participants")
    return next(int(p["id"]) for p in people if p["username"] == username)


def wait_processed(world: MeetingWorld, document_id: int) -> None:
    for _ in range(1200):
        if world["sec"].ok("GET", f"/api/documents/{document_id}")["status"] != "processing":
            return
        time.sleep(0.1)
    raise AssertionError(f"document {document_id} still processing")


async def test_each_change_reaches_a_snapshot_shared_at_its_seq(world: MeetingWorld, tablet_url: str) -> None:
    sec, root = world["sec"], world["root"]
    base = f"/api/meetings/{world.meeting_id}"
    keeper = await Tablet(tablet_url, world.meeting_id, root.token).connect()
    await keeper.receive(within=60)
    confidential: dict[str, Any] = {}
    poll: dict[str, Any] = {}
    speech: dict[str, Any] = {}
    chair_id = world["chair"].user["id"]  # assigned a task, renamed after the close: both rows carry the name

    def upload() -> None:
        confidential.update(
            sec.upload_document(
                world.meeting_id,
                FIXTURES / "bao-cao-ihanoi.pdf",
                classification="confidential",
                allowed_usernames="del2",
            )
        )
        wait_processed(world, confidential["id"])

    def patch_participant(username: str, **fields: str) -> None:
        sec.ok("PATCH", f"{base}/participants/{participant_id(world, username)}", json=fields)

    def patch_document(**fields: Any) -> None:
        sec.ok("PATCH", f"/api/documents/{confidential['id']}", json=fields)

    def rename(username: str, full_name: str) -> None:
        root.ok("PATCH", f"/api/users/{world[username].user['id']}", json={"full_name": full_name})

    def check_in(*usernames: str) -> None:
        for username in usernames:
            world[username].ok("POST", f"{base}/checkin")

    def new_poll() -> None:
        poll.update(sec.ok("POST", f"{base}/polls", json={"title": "Biểu quyết thông qua"}))

    def request_floor() -> None:
        speech.update(world["del1"].ok("POST", f"{base}/speakers", json={}))

    changes: list[tuple[str, Any]] = [
        ("agenda edit", lambda: sec.ok("PATCH", f"{base}/agenda/{world.item_ids[2]}", json={"presenter": "Sở TT&TT"})),
        ("start", lambda: sec.ok("POST", f"{base}/start")),
        ("current item", lambda: sec.ok("POST", f"{base}/agenda/{world.item_ids[0]}/current")),
        ("participant add", lambda: sec.ok("POST", f"{base}/participants", json={"username": "outsider"})),
        ("participant role", lambda: patch_participant("outsider", role="guest")),
        ("participant remove", lambda: sec.ok("DELETE", f"{base}/participants/{participant_id(world, 'outsider')}")),
        ("check-in", lambda: check_in("del1")),
        ("attendance", lambda: patch_participant("guest", attendance="excused")),
        ("rename", lambda: rename("del2", "Lê Văn Hai")),
        ("confidential document added", upload),
        ("document readers", lambda: patch_document(allowed_usernames=["del2", "del1"])),
        ("document title", lambda: patch_document(title="Báo cáo mật")),
        (
            "presenting",
            lambda: sec.ok(
                "POST", f"{base}/present", json={"document_id": confidential["id"], "page": 2, "confirm": True}
            ),
        ),
        ("reader removed while presented", lambda: patch_document(allowed_usernames=["del2"])),
        (
            "opinions requested on the confidential document",
            lambda: sec.ok(
                "POST", f"{base}/opinion-requests", json={"document_id": confidential["id"], "question": "Góp ý?"}
            ),
        ),
        (
            "opinion on the confidential document",
            lambda: world["del2"].ok(
                "PUT", f"{base}/opinions", json={"document_id": confidential["id"], "stance": "disagree"}
            ),
        ),
        (
            "opinion on an item",
            lambda: world["del1"].ok(
                "PUT", f"{base}/opinions", json={"agenda_item_id": world.item_ids[1], "stance": "agree"}
            ),
        ),
        ("quorum present", lambda: check_in("chair", "del2")),
        ("poll created", new_poll),
        ("poll opened", lambda: sec.ok("POST", f"/api/polls/{poll['id']}/open")),
        (
            "vote",
            lambda: world["del2"].ok(
                "POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": poll["options"][0]["id"]}
            ),
        ),
        ("poll closed", lambda: sec.ok("POST", f"/api/polls/{poll['id']}/close")),
        ("floor request", request_floor),
        ("floor granted", lambda: sec.ok("POST", f"{base}/speakers/{speech['id']}/start")),
        (
            "conclusion",
            lambda: sec.ok("PUT", f"{base}/agenda/{world.item_ids[0]}/conclusion", json={"text": "Thống nhất."}),
        ),
        ("task", lambda: sec.ok("POST", f"{base}/tasks", json={"title": "Báo cáo lại", "assignee_id": chair_id})),
        ("close", lambda: sec.ok("POST", f"{base}/close")),
        ("minutes drafted", lambda: sec.ok("POST", f"{base}/minutes/draft", json={})),
        ("rename after the close", lambda: rename("chair", "Chủ Tọa Mới")),
    ]
    try:
        await check_every_viewer(world, tablet_url, "nothing")
        for change, apply in changes:
            apply()
            await check_every_viewer(world, tablet_url, change)
    finally:
        await keeper.close()
