"""Two server processes on one PostgreSQL database and one Redis: what a tablet on one sees of the other."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import PASSWORD, MeetingWorld, make_world
from tests.support.api import Api
from tests.support.live import Tablet, comparable
from tests.support.server import ServerProcess, run_cli
from tests.support.services import RedisServer, fresh_database, pg_problem, redis_problem, require, shared_redis

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess, MeetingWorld]]:
    require(pg_problem(), redis_problem())
    data = Path(tmp_path_factory.mktemp("scaleout"))
    with fresh_database() as url:
        settings = dict(
            database_url=url,
            **shared_redis(),
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


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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
        async with websockets.connect(
            f"{a.ws_url}/ws/meetings/{world.meeting_id}", additional_headers=_bearer(token)
        ) as ws:
            snapshot = json.loads(await ws.recv())
            sec_b.ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Qua B"})
            event = await _next_event(ws)
            assert event["seq"] == snapshot["seq"] + 1 and event["data"]["item"]["title"] == "Qua B"
            since = event["seq"]
        sec_b.ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Khi vắng"})
        async with websockets.connect(
            f"{b.ws_url}/ws/meetings/{world.meeting_id}?since={since}", additional_headers=_bearer(token)
        ) as ws:
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
        async with websockets.connect(
            f"{a.ws_url}/ws/meetings/{world.meeting_id}", additional_headers=_bearer(token)
        ) as ws:
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


def test_two_installations_on_one_redis_do_not_hear_each_other(pair: Any, tmp_path: Path) -> None:
    """Another installation (its own database, its own namespace) on the same Redis: its meeting with the same
    id never reaches this installation's tablets."""
    a, _, world = pair
    with fresh_database() as url:
        other = ServerProcess(
            tmp_path / "other", database_url=url, dense_search="false", ocr="false", **shared_redis()
        ).start()
        try:
            other_world = make_world(other, tmp_path / "other")
            assert other_world.meeting_id == world.meeting_id, "the clash this test is about needs the same id"
            token = world["del1"].token

            async def run() -> None:
                async with websockets.connect(
                    f"{a.ws_url}/ws/meetings/{world.meeting_id}", additional_headers=_bearer(token)
                ) as ws:
                    snapshot = json.loads(await ws.recv())
                    other_world["sec"].ok(
                        "POST", f"/api/meetings/{other_world.meeting_id}/agenda", json={"title": "Nơi khác"}
                    )
                    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/agenda", json={"title": "Ở đây"})
                    event = await _next_event(ws)
                    assert event["seq"] == snapshot["seq"] + 1 and event["data"]["item"]["title"] == "Ở đây"

            asyncio.run(run())
            other_world.close()
        finally:
            other.stop()


def test_serve_with_several_workers_refuses_sqlite_and_a_missing_redis(tmp_path: Path) -> None:
    on_sqlite = run_cli(tmp_path, "serve", "--workers", "2")
    assert on_sqlite.returncode != 0 and "needs PostgreSQL" in on_sqlite.stderr
    no_redis = run_cli(tmp_path, "serve", "--workers", "2", database_url="postgresql+asyncpg://x@127.0.0.1/x")
    assert no_redis.returncode != 0 and "needs Redis" in no_redis.stderr


def _new_meeting(world: MeetingWorld, title: str) -> tuple[int, list[int]]:
    """A started meeting of its own (the module's meeting is shared by the other tests)."""
    sec = world["sec"]
    meeting_id = sec.ok("POST", "/api/meetings", json={"title": title, "location": "Phòng 2"})["id"]
    for username, role in (("chair", "chair"), ("del1", "delegate"), ("del2", "delegate"), ("guest", "guest")):
        sec.ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": username, "role": role})
    items = [sec.ok("POST", f"/api/meetings/{meeting_id}/agenda", json={"title": t})["id"] for t in ("Một", "Hai")]
    sec.ok("POST", f"/api/meetings/{meeting_id}/start")
    return meeting_id, items


def _writes(
    base_url: str,
    token: str,
    meeting_id: int,
    items: list[int],
    tag: str,
    count: int,
    stop: threading.Event | None = None,
    pause: float = 0.0,
    acknowledged: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``count`` changes through one process, as fast as it answers: an item added, then the current item
    moved, alternately. Returns what was acknowledged (appended to ``acknowledged`` as it comes, when given, for
    a watcher), stopping at the first failure (the process died) or once ``stop`` is set, with ``pause`` seconds
    between two changes."""
    acknowledged = [] if acknowledged is None else acknowledged
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        for index in range(count):
            if stop is not None and stop.is_set():
                break
            try:
                if index % 2 == 0:
                    response = http.post(f"/api/meetings/{meeting_id}/agenda", json={"title": f"{tag} {index}"})
                else:
                    response = http.post(f"/api/meetings/{meeting_id}/agenda/{items[index // 2 % 2]}/current")
            except httpx.HTTPError:
                return acknowledged  # the process is gone: what was not answered was not acknowledged
            if response.status_code >= 300:
                return acknowledged
            kind = "added" if index % 2 == 0 else "current"
            acknowledged.append({"kind": kind, "body": response.json(), "at": time.monotonic()})
            time.sleep(pause)
    return acknowledged


async def _log(ws_url: str, meeting_id: int, token: str) -> list[dict[str, Any]]:
    """Every event of the meeting's log, replayed from seq 0."""
    replay = Tablet(ws_url, meeting_id, token, since=0)
    await replay.connect()
    events = []
    while (message := await replay.receive(within=30))["type"] != "resumed":
        events.append(message)
    await replay.close()
    return events


def test_concurrent_writers_in_two_processes_get_one_gapless_seq_each(pair: Any) -> None:
    """Writers through A and B at once: every acknowledged change has its own seq, the log has no gap and no
    seq twice, and a tablet on each process receives the whole log live, in order."""
    a, b, world = pair
    meeting_id, items = _new_meeting(world, "Hai người ghi cùng lúc")
    token = world["sec"].token

    async def run() -> tuple[list[list[dict[str, Any]]], list[Tablet], int]:
        watchers = [await Tablet(server.ws_url, meeting_id, token).connect() for server in (a, b)]
        for watcher in watchers:
            await watcher.receive()  # the snapshot
        jobs = [
            asyncio.to_thread(_writes, server.url, token, meeting_id, items, f"{writer}", 30)
            for writer, server in enumerate((a, b, a, b))
        ]
        results = await asyncio.gather(*jobs)
        head = world["sec"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["seq"]
        for watcher in watchers:
            while watcher.seq < head:
                await watcher.receive(within=15)
            await watcher.close()
        return results, watchers, head

    results, watchers, head = asyncio.run(run())
    acknowledged = [ack for result in results for ack in result]
    assert len(acknowledged) == 4 * 30, "every write should have been acknowledged"
    events = asyncio.run(_log(a.ws_url, meeting_id, token))
    seqs = [event["seq"] for event in events]
    assert seqs == list(range(1, head + 1)), "the log must hold seqs 1..head, each once"
    added = [event["data"]["item"]["title"] for event in events if event["name"] == "agenda.changed"]
    titles = [ack["body"]["title"] for ack in acknowledged if ack["kind"] == "added"]
    assert sorted(t for t in added if t in titles) == sorted(titles), "each acknowledged item added exactly once"
    for watcher in watchers:
        first = watcher.seqs[0]
        assert watcher.seqs == list(range(first, head + 1)), "a live tablet saw a gap, a repeat or a reordering"


def test_sigkill_of_one_process_with_200_tablets(pair: Any) -> None:
    """200 tablets, half on A and half on a third process C; writes go through both; C is SIGKILLed mid-burst.
    C's tablets reconnect to A with their last seq; every tablet ends equal to a fresh snapshot of its user,
    and no acknowledged change is lost."""
    _, _, world = pair
    meeting_id, items = _new_meeting(world, "Một tiến trình bị dừng")
    # two processes of their own: one Python test process replaying every event on 200 tablets can be slow to
    # answer a heartbeat, and the module's processes close a silent socket after 5 s
    # and 200 tablets on five accounts are 40 sockets a session, beyond the default cap of 8 a session
    settings = {**world.server.settings, "ws_idle_timeout_seconds": "60", "ws_max_sockets_per_session": "64"}
    a = ServerProcess(world.server.data_dir, **settings).start()
    c = ServerProcess(world.server.data_dir, **settings).start()
    users = ["del1", "del2", "chair", "guest", "sec"]
    user_of = [users[index % len(users)] for index in range(200)]
    home_of = [a if index % 2 == 0 else c for index in range(200)]

    killed_at: list[float] = []

    async def run() -> tuple[list[Tablet], list[dict[str, Any]]]:
        live: list[Tablet] = []
        every: list[Tablet] = []  # each connection made, moved ones' first included: all are closed at the end
        try:
            return await burst(live, every)
        finally:  # a failure anywhere leaves no socket open for the next test to trip over
            for tablet in every:
                await tablet.close()

    async def burst(live: list[Tablet], every: list[Tablet]) -> tuple[list[Tablet], list[dict[str, Any]]]:
        for i in range(200):
            every.append(Tablet(home_of[i].ws_url, meeting_id, world[user_of[i]].token))
            live.append(await every[-1].connect())
        for tablet in live:
            await tablet.receive()  # the snapshot

        async def follow(index: int) -> None:
            """Read until the socket drops; a tablet of C then reconnects to A and resumes from its seq."""
            try:
                while True:
                    await live[index].receive(within=120)
            except ConnectionClosed as closed:
                if home_of[index] is a:  # A lives on: nothing should close its sockets
                    raise AssertionError(f"A closed tablet {index}'s socket: {closed!r}") from closed
            await asyncio.sleep(random.uniform(0.1, 1.0))  # the kiosk's reconnect backoff, spread out
            old = live[index]
            await old.close()
            moved = Tablet(a.ws_url, meeting_id, world[user_of[index]].token, since=old.seq)
            moved.state, moved.seq, moved.seqs = old.state, old.seq, old.seqs
            every.append(moved)
            live[index] = await moved.connect()
            try:
                while True:
                    await moved.receive(within=120)
            except ConnectionClosed as closed:
                raise AssertionError(f"A closed moved tablet {index}'s socket: {closed!r}") from closed

        readers = [asyncio.create_task(follow(index)) for index in range(len(live))]
        token = world["sec"].token
        stop = threading.Event()
        seen_a: list[dict[str, Any]] = []
        seen_c: list[dict[str, Any]] = []
        through_a = asyncio.to_thread(_writes, a.url, token, meeting_id, items, "A", 10_000, stop, 0.02, seen_a)
        through_c = asyncio.to_thread(_writes, c.url, token, meeting_id, items, "C", 10_000, stop, 0.02, seen_c)

        async def until(condition: Callable[[], bool]) -> None:
            for _ in range(600):  # bounded: 60 s; what did not happen by then fails the assertions below
                if condition():
                    return
                await asyncio.sleep(0.1)

        async def kill_c_mid_burst() -> None:
            await asyncio.sleep(1.5)
            await until(lambda: len(seen_c) >= 10)  # mid-burst: C has acknowledged changes (a loaded machine is slow)
            c.kill()
            killed_at.append(time.monotonic())
            await asyncio.sleep(2.0)  # A goes on writing while C's tablets move over
            await until(lambda: sum(ack["at"] > killed_at[0] for ack in seen_a) >= 10)
            stop.set()

        (acked_a, acked_c, _) = await asyncio.gather(through_a, through_c, kill_c_mid_burst())
        head = world["sec"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["seq"]
        for _ in range(600):  # bounded: 60 s for every tablet to reach the head (checked below)
            if all(tablet.seq >= head for tablet in live) or any(reader.done() for reader in readers):
                break
            await asyncio.sleep(0.1)
        for reader in readers:
            reader.cancel()
        outcomes = await asyncio.gather(*readers, return_exceptions=True)
        for outcome in outcomes:  # a reader that ended on its own failed: its failure is the test's
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                raise outcome
        return live, acked_a + acked_c

    try:
        finals, acknowledged = asyncio.run(run())
    finally:
        c.kill()
        a.stop()
    assert any(ack["body"].get("title", "").startswith("C ") for ack in acknowledged), "C acknowledged nothing"
    fresh = {user: world[user].ok("GET", f"/api/meetings/{meeting_id}/snapshot") for user in users}
    titles = {item["title"] for item in fresh["sec"]["state"]["agenda"]}
    added = {ack["body"]["title"] for ack in acknowledged if ack["kind"] == "added"}
    assert added <= titles, f"acknowledged items lost: {sorted(added - titles)[:5]}"
    moved = [index for index, home in enumerate(home_of) if home is c]
    assert len(moved) == 100
    assert sum(ack["at"] > killed_at[0] for ack in acknowledged) >= 10, "A went on writing after the kill"
    for index, tablet in enumerate(finals):
        snapshot = fresh[user_of[index]]
        assert tablet.seq == snapshot["seq"], f"tablet {index} stopped at {tablet.seq} of {snapshot['seq']}"
        assert len(tablet.seqs) == len(set(tablet.seqs)), f"tablet {index} applied an event twice"
        assert comparable(tablet.state) == comparable(snapshot["state"]), f"tablet {index} differs from a snapshot"


def test_two_edits_from_the_same_version_through_two_processes_one_wins(pair: Any) -> None:
    """The same agenda item edited through A and B at the same moment, both from version v: one edit is taken,
    the other refused with 409, round after round (never both taken, the later silently overwriting)."""
    a, b, world = pair
    meeting_id, items = _new_meeting(world, "Sửa cùng lúc")
    token = world["sec"].token
    outcomes = []
    with (
        httpx.Client(base_url=a.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as via_a,
        httpx.Client(base_url=b.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as via_b,
    ):
        for round_number in range(30):
            item = via_a.get(f"/api/meetings/{meeting_id}/agenda").raise_for_status().json()[0]
            start = threading.Barrier(2)

            def edit(
                http: httpx.Client, title: str, version: int = item["version"], start: threading.Barrier = start
            ) -> int:
                start.wait()
                body = {"title": title, "version": version}
                return http.patch(f"/api/meetings/{meeting_id}/agenda/{items[0]}", json=body).status_code

            with ThreadPoolExecutor(2) as pool:
                codes = sorted(pool.map(edit, (via_a, via_b), (f"A {round_number}", f"B {round_number}")))
            outcomes.append(codes)
    assert all(codes == [200, 409] for codes in outcomes), f"rounds not one 200 and one 409: {outcomes}"
