"""SIGKILL during a burst of agenda changes: nothing acknowledged is lost; tablets converge after restart."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from tests.conftest import MeetingWorld
from tests.support.live import Tablet, comparable
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


def burst(world: MeetingWorld, acknowledged: list[dict], stop: threading.Event, enough: threading.Event) -> None:
    """Add items and move the current item as fast as possible until the server dies."""
    base = f"{world.server.url}/api/meetings/{world.meeting_id}"
    headers = {"Authorization": f"Bearer {world['sec'].token}"}
    with httpx.Client(headers=headers, timeout=5) as http:
        for index in range(10_000):
            if stop.is_set():
                return
            try:
                if index % 2:
                    response = http.post(f"{base}/agenda", json={"title": f"Mục {index}"})
                else:
                    item_id = world.item_ids[index // 2 % len(world.item_ids)]
                    response = http.post(f"{base}/agenda/{item_id}/current")
            except httpx.HTTPError:
                return  # the server is gone: what was not answered was not acknowledged
            if response.status_code in (200, 201):
                acknowledged.append({"index": index, "body": response.json()})
                if len(acknowledged) >= 40:
                    enough.set()


async def test_sigkill_mid_burst_loses_no_acknowledged_change(world: MeetingWorld, tmp_path) -> None:
    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/start")
    tablets = [await Tablet(world.server.ws_url, world.meeting_id, world["del1"].token).connect() for _ in range(5)]
    for each in tablets:
        await each.receive()

    acknowledged: list[dict] = []
    stop, enough = threading.Event(), threading.Event()
    writer = threading.Thread(target=burst, args=(world, acknowledged, stop, enough))
    writer.start()
    await asyncio.to_thread(enough.wait, 20)
    world.server.kill()
    stop.set()
    writer.join(timeout=10)
    assert len(acknowledged) >= 40, "the burst should have been acknowledged at least 40 times before the kill"

    # tablets keep reading what was already on the wire, then see the socket drop
    for each in tablets:
        with pytest.raises(Exception):  # noqa: B017  (ConnectionClosed or a timeout: the process is gone)
            await each.receive_until(lambda m: False, within=5)

    restarted = ServerProcess(world.server.data_dir, port=world.server.port).start()
    try:
        snapshot = world["del1"].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
        titles = {item["title"] for item in snapshot["state"]["agenda"]}
        added = [ack["body"]["title"] for ack in acknowledged if ack["index"] % 2]
        assert set(added) <= titles, "an acknowledged new item is missing after the crash"

        # every acknowledged current-item change is in the log, in the order it was acknowledged
        log = Tablet(restarted.ws_url, world.meeting_id, world["sec"].token, since=0)
        await log.connect()
        changes: list[int] = []
        while True:
            message = await log.receive()
            if message["type"] == "resumed":
                break
            if message["name"] == "agenda.current":
                changes.append(message["data"]["item_id"])
        await log.close()
        wanted = [ack["body"]["id"] for ack in acknowledged if ack["index"] % 2 == 0]
        remaining = iter(changes)
        assert all(item_id in remaining for item_id in wanted), "an acknowledged current-item change was lost"
        assert snapshot["state"]["current_item_id"] == changes[-1]

        # every tablet resumes from where it was and ends equal to a fresh snapshot
        for each in tablets:
            back = Tablet(restarted.ws_url, world.meeting_id, world["del1"].token, since=each.seq)
            back.state, back.seq = each.state, each.seq
            await back.connect()
            await back.receive_until(lambda m: m["type"] in ("resumed", "snapshot"))
            assert back.seq == snapshot["seq"]
            assert comparable(back.state) == comparable(snapshot["state"])
            await back.close()
    finally:
        restarted.stop()
