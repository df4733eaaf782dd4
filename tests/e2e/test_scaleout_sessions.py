"""Two server processes on one PostgreSQL database and one Redis: a session ended through one closes the sockets
the other holds, and the other's cached token does not outlive it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, MeetingWorld, make_world
from tests.support.api import Api
from tests.support.live import open_feed, until_closed
from tests.support.server import ServerProcess
from tests.support.services import fresh_database, pg_problem, redis_problem, require, shared_redis

pytestmark = pytest.mark.e2e

_names = itertools.count(1)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess, MeetingWorld]]:
    require(pg_problem(), redis_problem())
    data = Path(tmp_path_factory.mktemp("scaleout-sessions"))
    with fresh_database() as url:
        # a long principal cache: only the message between the processes can end a cached session in time
        settings = dict(database_url=url, **shared_redis(), dense_search="false", ocr="false", auth_cache_seconds="300")
        a = ServerProcess(data, **settings).start(timeout=120)
        b = ServerProcess(data, **settings).start(timeout=120)
        world = make_world(a, data)
        try:
            yield a, b, world
        finally:
            world.close()
            a.stop()
            b.stop()


def _member(a: ServerProcess, world: MeetingWorld) -> Api:
    username = f"xmember{next(_names)}"
    world["root"].ok("POST", "/api/users", json={"username": username, "password": PASSWORD})
    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/participants", json={"username": username})
    return Api.login(a.url, username, PASSWORD)


def _refused_within(api: Api, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if api.request("GET", "/api/me").status_code == 401:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("ending", ["logout", "disabled", "new role"])
async def test_a_session_ended_through_one_process_closes_its_socket_on_the_other(
    pair: tuple[ServerProcess, ServerProcess, MeetingWorld], ending: str
) -> None:
    a, b, world = pair
    member = _member(a, world)
    assert member.ok("GET", "/api/me")["username"] == member.user["username"]  # cached on A from now on
    socket = await open_feed(a.ws_url, world.meeting_id, member.token)
    assert '"snapshot"' in str(await socket.recv())
    if ending == "logout":
        through_b = Api(b.url, member.token)
        through_b.ok("POST", "/api/auth/logout")
    else:
        root_b = Api.login(b.url, "root", PASSWORD)
        change = {"is_active": False} if ending == "disabled" else {"role": "secretary"}
        root_b.ok("PATCH", f"/api/users/{member.user['id']}", json=change)
    closed, _ = await until_closed(socket)
    assert closed == (4409 if ending == "new role" else 4401)
    if ending != "new role":
        assert _refused_within(member), "A's cached token outlived its revocation on B"
        again = await open_feed(a.ws_url, world.meeting_id, member.token, since=0)
        assert await until_closed(again, within=5) == (4401, [])
    for api in (member, through_b if ending == "logout" else root_b):
        api.close()  # here: they die with this frame, before the close_clients fixture could close them


async def test_removal_through_one_process_closes_the_socket_on_the_other(
    pair: tuple[ServerProcess, ServerProcess, MeetingWorld],
) -> None:
    a, b, world = pair
    member = _member(a, world)
    socket = await open_feed(a.ws_url, world.meeting_id, member.token)
    assert '"snapshot"' in str(await socket.recv())
    sec_b = Api.login(b.url, "sec", PASSWORD)
    people = sec_b.ok("GET", f"/api/meetings/{world.meeting_id}/participants")
    mine = next(p for p in people if p["user_id"] == member.user["id"])
    sec_b.ok("DELETE", f"/api/meetings/{world.meeting_id}/participants/{mine['id']}")
    closed, _ = await until_closed(socket)
    assert closed == 4403
    again = await open_feed(a.ws_url, world.meeting_id, member.token, since=0)
    assert await until_closed(again, within=5) == (4404, [])
    member.close()
    sec_b.close()
