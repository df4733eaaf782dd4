"""Two server processes on one PostgreSQL database and one Redis: what a tablet on one sees of the other."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.conftest import PASSWORD, MeetingWorld, make_world
from tests.support.api import Api
from tests.support.server import ServerProcess, run_cli
from tests.support.services import RedisServer, fresh_database, pg_problem, redis_problem, require

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess, MeetingWorld]]:
    require(pg_problem(), redis_problem())
    data = Path(tmp_path_factory.mktemp("scaleout"))
    with fresh_database() as url:
        settings = dict(
            database_url=url,
            redis_url="redis://127.0.0.1:6379/7",
            dense_search="false",
            ocr="false",
            ws_heartbeat_seconds="0.5",
            ws_idle_timeout_seconds="5",
        )
        a = ServerProcess(data, **settings).start()
        b = ServerProcess(data, **settings).start()
        world = make_world(a, data)
        try:
            yield a, b, world
        finally:
            world.close()
            a.stop()
            b.stop()


async def _next_event(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == "event":
            return message  # type: ignore[no-any-return]


def test_a_tablet_on_one_process_sees_a_change_made_through_the_other_and_resumes_on_it(pair: Any) -> None:
    a, b, world = pair
    token = world["del1"].token
    sec_b = Api.login(b.url, "sec", PASSWORD)

    async def run() -> None:
        async with websockets.connect(f"{a.ws_url}/ws/meetings/{world.meeting_id}?token={token}") as ws:
            snapshot = json.loads(await ws.recv())
            sec_b.ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Qua B"})
            event = await _next_event(ws)
            assert event["seq"] == snapshot["seq"] + 1 and event["data"]["item"]["title"] == "Qua B"
            since = event["seq"]
        sec_b.ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Khi vắng"})
        async with websockets.connect(f"{b.ws_url}/ws/meetings/{world.meeting_id}?token={token}&since={since}") as ws:
            replayed = await _next_event(ws)
            assert replayed["seq"] == since + 1 and replayed["data"]["item"]["title"] == "Khi vắng"
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "resumed"

    asyncio.run(run())
    sec_b.close()


def test_a_redis_restart_mid_meeting_costs_the_tablets_nothing(pair: Any, tmp_path: Path) -> None:
    _, _, world = pair
    redis = RedisServer(tmp_path).start()
    settings = dict(
        database_url=world.server.settings["database_url"],
        redis_url=redis.url,
        dense_search="false",
        ocr="false",
        ws_heartbeat_seconds="0.5",
        ws_idle_timeout_seconds="5",
    )
    # the same data directory (its secret key hashes the tokens), as processes of one site share it
    a = ServerProcess(world.server.data_dir, **settings).start()
    b = ServerProcess(world.server.data_dir, **settings).start()
    sec_b = Api.login(b.url, "sec", PASSWORD)
    token = world["del1"].token

    async def run() -> None:
        async with websockets.connect(f"{a.ws_url}/ws/meetings/{world.meeting_id}?token={token}") as ws:
            snapshot = json.loads(await ws.recv())
            redis.kill()
            # made while Redis is down: B cannot publish it; A reads it from the log once Redis is back
            sec_b.ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Khi Redis tắt"})
            redis.start()
            sec_b.ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Sau khi Redis bật"})
            first, second = await _next_event(ws), await _next_event(ws)
            assert (first["seq"], second["seq"]) == (snapshot["seq"] + 1, snapshot["seq"] + 2)
            assert [first["data"]["item"]["title"], second["data"]["item"]["title"]] == [
                "Khi Redis tắt",
                "Sau khi Redis bật",
            ]

    try:
        asyncio.run(run())
    finally:
        sec_b.close()
        a.stop()
        b.stop()
        redis.kill()


def test_serve_with_several_workers_refuses_sqlite_and_a_missing_redis(tmp_path: Path) -> None:
    on_sqlite = run_cli(tmp_path, "serve", "--workers", "2")
    assert on_sqlite.returncode != 0 and "needs PostgreSQL" in on_sqlite.stderr
    no_redis = run_cli(tmp_path, "serve", "--workers", "2", database_url="postgresql+asyncpg://x@127.0.0.1/x")
    assert no_redis.returncode != 0 and "needs Redis" in no_redis.stderr
