"""A meeting's live feed against a real server process: who may open it, and what closes it.

An outsider is refused on every way in and receives no event; each way a session ends (logout, a disabled
account, a new password, a changed role, removal from the meeting, expiry) closes the user's open socket with its
documented code, and the old token opens no new one. The log never carries a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.conftest import PASSWORD, MeetingWorld, make_world
from tests.support.api import Api
from tests.support.live import open_feed, until_closed
from tests.support.server import ServerProcess, run_cli

pytestmark = pytest.mark.e2e

_names = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeetingWorld]:
    data = Path(tmp_path_factory.mktemp("sessions"))
    # the default heartbeat: what closes a socket here must not be waiting for the next ping
    server = ServerProcess(data, dense_search="false", ocr="false", log_level="info").start(timeout=120)
    built = make_world(server, data)
    try:
        yield built
    finally:
        built.close()
        server.stop()


def _member(world: MeetingWorld, role: str = "delegate") -> tuple[Api, int]:
    """A new user in the meeting, logged in: their client and their participant id."""
    username = f"member{next(_names)}"
    world["root"].ok("POST", "/api/users", json={"username": username, "password": PASSWORD})
    participant = world["sec"].ok(
        "POST", f"/api/meetings/{world.meeting_id}/participants", json={"username": username, "role": role}
    )
    return Api.login(world.server.url, username, PASSWORD), participant["id"]


@pytest.mark.parametrize("path", ["snapshot", "compressed snapshot", "since", "resume"])
async def test_an_outsider_is_refused_on_every_path_and_receives_no_event(world: MeetingWorld, path: str) -> None:
    outsider = world["outsider"].token
    delegate = await open_feed(world.server.ws_url, world.meeting_id, world["del1"].token)
    await delegate.recv()  # snapshot
    socket = await open_feed(
        world.server.ws_url,
        world.meeting_id,
        outsider,
        since=0 if path == "since" else None,
        deflate=path == "compressed snapshot",
    )
    if path == "resume":
        with contextlib.suppress(Exception):  # refused before the message went out
            await socket.send('{"type":"resume","since":0}')
    # a change made while the outsider's socket is (or would be) in the meeting's fan-out
    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Nhân sự (họp kín)"})
    code, received = await until_closed(socket)
    assert code == 4404
    assert received == [], f"an outsider received {[m['type'] for m in received]} on the {path} path"
    # the change was published: the delegate's socket gets it
    while (message := json.loads(await asyncio.wait_for(delegate.recv(), 30)))["type"] != "event":
        pass
    assert message["name"] == "agenda.changed"
    await delegate.close()


def _logout(world: MeetingWorld, member: Api, participant_id: int) -> None:
    member.ok("POST", "/api/auth/logout")


def _disable(world: MeetingWorld, member: Api, participant_id: int) -> None:
    world["root"].ok("PATCH", f"/api/users/{member.user['id']}", json={"is_active": False})


def _new_password(world: MeetingWorld, member: Api, participant_id: int) -> None:
    world["root"].ok("PATCH", f"/api/users/{member.user['id']}", json={"password": "another-horse-43"})


def _new_role(world: MeetingWorld, member: Api, participant_id: int) -> None:
    world["root"].ok("PATCH", f"/api/users/{member.user['id']}", json={"role": "secretary"})


def _remove(world: MeetingWorld, member: Api, participant_id: int) -> None:
    world["sec"].ok("DELETE", f"/api/meetings/{world.meeting_id}/participants/{participant_id}")


# how each ending closes the socket, and what the old token then gets on a new socket with ?since=0
ENDINGS: dict[str, tuple[Any, int, int | None]] = {
    "logout": (_logout, 4401, 4401),
    "disabled": (_disable, 4401, 4401),
    "new password": (_new_password, 4401, 4401),
    "new role": (_new_role, 4409, None),  # the session lives on: a new socket is checked under the new role
    "removed": (_remove, 4403, 4404),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("cookie", [False, True], ids=["header", "cookie"])
async def test_an_ended_session_closes_its_socket_and_the_old_token_opens_no_other(
    world: MeetingWorld, ending: str, cookie: bool
) -> None:
    act, code, reopened = ENDINGS[ending]
    member, participant_id = _member(world)
    try:
        socket = await open_feed(world.server.ws_url, world.meeting_id, member.token, cookie=cookie)
        assert '"snapshot"' in str(await socket.recv())
        act(world, member, participant_id)
        world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": f"Sau khi {ending}"})
        closed, received = await until_closed(socket)
        assert closed == code
        assert not any(f"Sau khi {ending}" in str(m) for m in received), "an event after the session ended"
        again = await open_feed(world.server.ws_url, world.meeting_id, member.token, since=0, cookie=cookie)
        closed, received = await until_closed(again, within=3)
        if reopened is None:
            assert received and received[-1]["type"] == "resumed"
        else:
            assert (closed, received) == (reopened, [])
    finally:
        member.close()  # here: the client dies with this frame, before the close_clients fixture could close it


async def test_an_expired_token_closes_its_socket(tmp_path: Path) -> None:
    # no heartbeat in the test's time: the socket must close when the token expires, not at the next ping
    settings = dict(dense_search="false", ocr="false", token_ttl_seconds="10", ws_heartbeat_seconds="600")
    server = ServerProcess(tmp_path, **settings).start(timeout=120)
    try:
        result = run_cli(tmp_path, "user", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        assert result.returncode == 0, result.stderr
        root = Api.login(server.url, "root", PASSWORD)
        meeting_id = root.ok("POST", "/api/meetings", json={"title": "Họp ngắn"})["id"]
        socket = await open_feed(server.ws_url, meeting_id, root.token)
        assert '"snapshot"' in str(await socket.recv()), "the token expired before the test could begin"
        closed, _ = await until_closed(socket, within=60)
        assert closed == 4401
        root.close()
    finally:
        server.stop()


async def test_no_token_reaches_the_log(world: MeetingWorld) -> None:
    """A session's worth of requests and sockets, and a stale client that still puts its token in the URL:
    the server's log (uvicorn's access lines included) holds none of the tokens."""
    member, _ = _member(world)
    member.ok("GET", "/api/me")
    member.ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
    for cookie in (False, True):
        socket = await open_feed(world.server.ws_url, world.meeting_id, member.token, cookie=cookie)
        await socket.recv()
        await socket.close()
    stale = await websockets.connect(f"{world.server.ws_url}/ws/meetings/{world.meeting_id}?token={member.token}")
    closed, received = await until_closed(stale, within=3)
    assert (closed, received) == (4401, []), "a token in the URL authenticates nobody"
    member.ok("POST", "/api/auth/logout")
    member.close()
    log = world.server.log_path.read_text()
    assert f"/ws/meetings/{world.meeting_id}" in log and "/api/me" in log, "the access log is on"
    for api in [member, *world.users.values()]:
        assert api.token is not None and api.token not in log, f"{api.user.get('username')}'s token is in the log"
