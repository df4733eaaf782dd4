"""Live sync against a real server process with real websocket clients (docs/sync-protocol.md)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import MeetingWorld, make_world
from tests.support.live import Tablet, comparable
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


def is_event(name: str):  # noqa: ANN201
    return lambda message: message["type"] == "event" and message["name"] == name


async def tablet(
    world: MeetingWorld, username: str = "del1", since: int | None = None, *, deflate: bool = False
) -> Tablet:
    return await Tablet(world.server.ws_url, world.meeting_id, world[username].token, since, deflate=deflate).connect()


def fresh_snapshot(world: MeetingWorld, username: str = "del1") -> dict:
    return world[username].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")


def run_meeting_changes(world: MeetingWorld) -> None:
    """A varied sequence of changes touching every kind of event."""
    sec, base = world["sec"], f"/api/meetings/{world.meeting_id}"
    sec.ok("PATCH", base, json={"location": "Hội trường lớn"})
    sec.ok("POST", f"{base}/start")
    added = sec.ok("POST", f"{base}/agenda", json={"title": "Mục bổ sung", "parent_id": world.item_ids[1]})
    sec.ok("POST", f"{base}/agenda/{world.item_ids[0]}/current")
    sec.ok("PATCH", f"{base}/agenda/{world.item_ids[2]}", json={"presenter": "Sở Thông tin và Truyền thông"})
    sec.ok(
        "POST", f"{base}/agenda/reorder", json={"item_ids": [world.item_ids[0], world.item_ids[2], world.item_ids[1]]}
    )
    sec.ok("POST", f"{base}/agenda/{added['id']}/current")
    world["del2"].ok("POST", f"{base}/checkin")
    sec.ok("DELETE", f"{base}/agenda/{world.item_ids[2]}")


@pytest.mark.parametrize("deflate", [False, True], ids=["text", "compressed snapshot"])
async def test_snapshot_then_events_in_order_converge_to_a_fresh_snapshot(world: MeetingWorld, deflate: bool) -> None:
    client = await tablet(world, deflate=deflate)
    first = await client.receive()
    assert client.binary_snapshots == int(deflate), "a compressed snapshot only for a tablet that asks"
    assert first["type"] == "snapshot" and first["state"]["me"]["meeting_role"] == "delegate"
    start_seq = first["seq"]
    await asyncio.to_thread(run_meeting_changes, world)
    expected = fresh_snapshot(world)
    while client.seq < expected["seq"]:
        await client.receive()
    assert client.seqs == list(range(start_seq + 1, expected["seq"] + 1)), "every event once, in order"
    assert set(client.names) >= {
        "meeting.updated",
        "meeting.status",
        "agenda.changed",
        "agenda.current",
        "participant.changed",
    }
    assert comparable(client.state) == comparable(expected["state"])
    assert client.binary_snapshots == int(deflate), "events stay text"
    await client.close()


async def test_every_tablet_sees_the_current_item_change(world: MeetingWorld) -> None:
    tablets = [await tablet(world, name) for name in ("del1", "del2", "guest", "chair") for _ in range(5)]
    for each in tablets:
        await each.receive()
    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/start")
    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/agenda/{world.item_ids[1]}/current")
    for each in tablets:
        message = await each.receive_until(is_event("agenda.current"))
        assert message["data"]["item_id"] == world.item_ids[1] and message["data"]["previous_item_id"] is None
    assert world.server.health()["connections"] == len(tablets)
    for each in tablets:
        await each.close()


async def test_concurrent_writers_give_each_tablet_every_seq_once(world: MeetingWorld) -> None:
    client = await tablet(world)
    await client.receive()
    base = f"/api/meetings/{world.meeting_id}/agenda"

    def burst(username: str, count: int) -> None:
        for index in range(count):
            world[username].ok("POST", base, json={"title": f"{username} {index}"})

    await asyncio.gather(asyncio.to_thread(burst, "sec", 15), asyncio.to_thread(burst, "chair", 15))
    expected = fresh_snapshot(world)
    while client.seq < expected["seq"]:
        await client.receive()
    assert len(client.seqs) == 30 and client.seqs == sorted(set(client.seqs))
    assert comparable(client.state) == comparable(expected["state"])
    await client.close()


async def test_resume_replays_what_was_missed(world: MeetingWorld) -> None:
    client = await tablet(world)
    snapshot = await client.receive()
    state, seq = snapshot["state"], snapshot["seq"]
    await client.close()
    await asyncio.to_thread(run_meeting_changes, world)
    back = Tablet(world.server.ws_url, world.meeting_id, world["del1"].token, since=seq)
    back.state, back.seq = state, seq
    await back.connect()
    resumed = await back.receive_until(lambda m: m["type"] in ("resumed", "snapshot"))
    assert resumed["type"] == "resumed" and back.snapshots == 0
    expected = fresh_snapshot(world)
    assert back.seq == expected["seq"] == resumed["seq"]
    assert comparable(back.state) == comparable(expected["state"])
    # asking again from the start replays the same log (a client can always re-check)
    await back.send({"type": "resume", "since": seq})
    replay = Tablet(world.server.ws_url, world.meeting_id, world["del1"].token)
    replay.state, replay.seq, replay.socket = state, seq, back.socket
    await replay.receive_until(lambda m: m["type"] == "resumed")
    assert comparable(replay.state) == comparable(expected["state"])
    await back.close()


@pytest.fixture
def short_log_world(tmp_path: Path):  # noqa: ANN201
    server = ServerProcess(tmp_path / "data", resume_max_events="3").start()
    try:
        world = make_world(server, tmp_path / "data")
        yield world
        world.close()
    finally:
        server.stop()


async def test_resume_beyond_the_log_window_gets_a_fresh_snapshot(short_log_world: MeetingWorld) -> None:
    world = short_log_world
    client = await tablet(world)
    seq = (await client.receive())["seq"]
    await client.close()
    await asyncio.to_thread(run_meeting_changes, world)  # more than 3 events
    back = await tablet(world, since=seq, deflate=True)
    message = await back.receive()
    assert message["type"] == "snapshot" and back.binary_snapshots == 1, "compressed, as the tablet asked"
    expected = fresh_snapshot(world)
    assert message["seq"] == expected["seq"] and comparable(message["state"]) == comparable(expected["state"])
    await back.close()


async def test_resume_from_the_future_gets_a_snapshot(world: MeetingWorld) -> None:
    client = await tablet(world, since=10_000)
    message = await client.receive()
    assert message["type"] == "snapshot" and message["seq"] == fresh_snapshot(world)["seq"]
    await client.close()


async def test_a_removed_participant_is_disconnected_and_sees_nothing_more(world: MeetingWorld) -> None:
    removed, stays = await tablet(world, "del2"), await tablet(world, "del1")
    await removed.receive()
    await stays.receive()
    people = world["sec"].ok("GET", f"/api/meetings/{world.meeting_id}/participants")
    del2 = next(p for p in people if p["username"] == "del2")
    world["sec"].ok("DELETE", f"/api/meetings/{world.meeting_id}/participants/{del2['id']}")
    await removed.receive_until(is_event("participant.changed"))
    with pytest.raises(ConnectionClosed) as closed:
        await removed.receive()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    world["sec"].ok("PATCH", f"/api/meetings/{world.meeting_id}", json={"title": "Đổi tên sau khi rời"})
    await stays.receive_until(is_event("meeting.updated"))
    # and cannot come back
    again = await tablet(world, "del2")
    with pytest.raises(ConnectionClosed) as refused:
        await again.receive()
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4404
    await stays.close()


async def test_deleting_a_draft_meeting_sends_tablets_away(world: MeetingWorld) -> None:
    client = await tablet(world)
    await client.receive()
    world["sec"].ok("DELETE", f"/api/meetings/{world.meeting_id}")
    await client.receive_until(is_event("meeting.deleted"))
    with pytest.raises(ConnectionClosed) as closed:
        await client.receive()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


async def test_heartbeat_keeps_live_tablets_and_drops_silent_ones(world: MeetingWorld) -> None:
    # the fixture's server pings every 0.5 s and drops a socket silent for 3 s
    alive, silent = await tablet(world, "del1"), await tablet(world, "del2")
    silent.answer_pings = False
    await alive.receive()
    await silent.receive()

    async def keep_answering() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await alive.receive_until(lambda m: False, within=5)

    answering = asyncio.create_task(keep_answering())
    with pytest.raises(ConnectionClosed) as closed:
        await silent.receive_until(lambda m: False, within=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    await answering
    assert world.server.health()["connections"] == 1
    world["sec"].ok("PATCH", f"/api/meetings/{world.meeting_id}", json={"location": "Phòng 3"})
    await alive.receive_until(is_event("meeting.updated"))
    await alive.close()


async def test_client_messages_are_checked(world: MeetingWorld) -> None:
    client = await tablet(world)
    await client.receive()
    await client.send({"type": "resume", "since": "yesterday"})
    error = await client.receive_until(lambda m: m["type"] == "error")
    assert "resume" in error["detail"]
    assert client.socket is not None
    await client.socket.send("not json")
    await client.receive_until(lambda m: m["type"] == "error")
    await client.send({"type": "ping"})
    await client.receive_until(lambda m: m["type"] == "pong")
    await client.close()


async def test_a_tablet_already_at_the_head_resumes_without_a_snapshot(world: MeetingWorld) -> None:
    head = fresh_snapshot(world)["seq"]
    back = await tablet(world, since=head)
    assert await back.receive() == {"type": "resumed", "seq": head}
    await back.close()


async def test_compression_is_offered_to_tablets_only_where_it_is_set(world: MeetingWorld) -> None:
    """Off by default (a browser's offer is declined); on with ICABINET_WS_COMPRESSION, and the snapshot a
    compressing tablet gets is the same."""

    async def extensions_and_snapshot(server: ServerProcess, token: str) -> tuple[str | None, dict[str, Any]]:
        url = f"{server.ws_url}/ws/meetings/{world.meeting_id}"
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(url, additional_headers=headers, compression="deflate", open_timeout=30) as socket:
            assert socket.response is not None
            offered = socket.response.headers.get("Sec-WebSocket-Extensions")
            return offered, json.loads(await asyncio.wait_for(socket.recv(), 30))

    declined, plain = await extensions_and_snapshot(world.server, world["del1"].token)
    assert declined is None and plain["type"] == "snapshot"
    compressing = ServerProcess(world.server.data_dir, ws_compression="true").start()
    try:
        accepted, snapshot = await extensions_and_snapshot(compressing, world["del1"].token)
    finally:
        compressing.stop()
    assert accepted is not None and accepted.startswith("permessage-deflate")
    assert snapshot["seq"] == plain["seq"] and comparable(snapshot["state"]) == comparable(plain["state"])
