"""Polls against a real server process: concurrent ballots race for one row per voter, and real
websocket tablets follow attendance and polls to exactly the state a fresh snapshot shows."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, MeetingWorld
from tests.support.api import Api
from tests.support.live import Tablet, comparable

pytestmark = pytest.mark.e2e

EXTRA_VOTERS = 6  # with chair, sec, del1 and del2: ten voters
BALLOTS_EACH = 5  # sent at the same moment by each voter: fifty requests racing


def add_voters(world: MeetingWorld) -> list[Api]:
    base = f"/api/meetings/{world.meeting_id}"
    voters = [world[name] for name in ("chair", "sec", "del1", "del2")]
    for number in range(EXTRA_VOTERS):
        username = f"daibieu{number}"
        world["root"].ok("POST", "/api/users", json={"username": username, "password": PASSWORD})
        world["sec"].ok("POST", f"{base}/participants", json={"username": username})
        world.users[username] = Api.login(world.server.url, username, PASSWORD)  # closed with the world
        voters.append(world.users[username])
    for voter in voters:
        voter.ok("POST", f"{base}/checkin")
    return voters


def race(world: MeetingWorld, voters: list[Api], poll: dict[str, Any]) -> list[tuple[int, int]]:
    """Every voter sends BALLOTS_EACH ballots (for different options) at once, from its own thread."""
    barrier = threading.Barrier(len(voters) * BALLOTS_EACH)
    answers: list[tuple[int, int]] = []
    lock = threading.Lock()

    def send(voter: Api, option_id: int) -> None:
        with httpx.Client(base_url=world.server.url, headers={"Authorization": f"Bearer {voter.token}"}) as http:
            http.get("/health")  # connected before the barrier
            barrier.wait()
            status = http.post(f"/api/polls/{poll['id']}/ballot", json={"option_id": option_id}, timeout=60).status_code
        with lock:
            answers.append((voter.user["id"], status))

    options = [option["id"] for option in poll["options"]]
    threads = [
        threading.Thread(target=send, args=(voter, options[attempt % len(options)]))
        for voter in voters
        for attempt in range(BALLOTS_EACH)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.parametrize("secret", [False, True], ids=["named", "secret"])
def test_concurrent_ballots_one_accepted_per_voter(world: MeetingWorld, secret: bool) -> None:
    voters = add_voters(world)
    world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/start")
    poll = world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/polls", json={"title": "Đua", "secret": secret})
    world["sec"].ok("POST", f"/api/polls/{poll['id']}/open")
    answers = race(world, voters, poll)
    assert len(answers) == len(voters) * BALLOTS_EACH
    accepted = [user_id for user_id, status in answers if status == 200]
    assert sorted(accepted) == sorted(voter.user["id"] for voter in voters), "exactly one ballot per voter"
    assert {status for _, status in answers} == {200, 409}
    shown = world["sec"].ok("GET", f"/api/polls/{poll['id']}")
    if secret:  # how many voted, not how the options stand, until the close
        assert {o["votes"] for o in shown["options"]} == {None}
        shown = world["sec"].ok("POST", f"/api/polls/{poll['id']}/close")
    assert shown["voters"] == len(voters) and sum(o["votes"] for o in shown["options"]) == len(voters)
    with sqlite3.connect(world.server.data_dir / "icabinet.db") as conn:
        table = "poll_voter" if secret else "poll_ballot"
        rows = conn.execute(f"SELECT user_id FROM {table} WHERE poll_id = ?", (poll["id"],)).fetchall()  # noqa: S608
    assert sorted(row[0] for row in rows) == sorted(accepted)


async def follow(world: MeetingWorld, username: str) -> Tablet:
    tablet = await Tablet(world.server.ws_url, world.meeting_id, world[username].token).connect()
    await tablet.receive()  # the snapshot
    return tablet


async def catch_up(tablet: Tablet, world: MeetingWorld, username: str) -> dict[str, Any]:
    for _ in range(100):
        expected = await asyncio.to_thread(world[username].ok, "GET", f"/api/meetings/{world.meeting_id}/snapshot")
        while tablet.seq < expected["seq"]:
            await tablet.receive()
        if tablet.seq == expected["seq"]:
            return expected
    raise AssertionError("the tablet never caught up")


async def test_tablets_follow_attendance_and_polls_to_the_snapshot(world: MeetingWorld) -> None:
    tablets = {name: await follow(world, name) for name in ("del1", "guest", "sec")}
    base = f"/api/meetings/{world.meeting_id}"

    def run_meeting() -> dict[str, int]:
        sec = world["sec"]
        sec.ok("POST", f"{base}/start")
        for name in ("del1", "del2", "chair", "guest"):
            world[name].ok("POST", f"{base}/checkin")
        people = {p["username"]: p["id"] for p in sec.ok("GET", f"{base}/participants")}
        sec.ok(
            "PATCH",
            f"{base}/participants/{people['del2']}",
            json={"attendance": "delegated", "delegated_to_username": "outsider"},
        )
        sec.ok("PATCH", base, json={"quorum_ratio": 0.4})
        draft = sec.ok("POST", f"{base}/polls", json={"title": "Nháp", "agenda_item_id": world.item_ids[2]})
        sec.ok("PATCH", f"/api/polls/{draft['id']}", json={"kind": "custom", "options": ["A", "B", "C"]})
        sec.ok("DELETE", f"/api/polls/{draft['id']}")
        named = sec.ok(
            "POST",
            f"{base}/polls",
            json={"title": "Công khai", "allow_change": True, "agenda_item_id": world.item_ids[1]},
        )
        sec.ok("POST", f"/api/polls/{named['id']}/open")
        yes, no = named["options"][0]["id"], named["options"][1]["id"]
        world["del1"].ok("POST", f"/api/polls/{named['id']}/ballot", json={"option_id": no})
        world["chair"].ok("POST", f"/api/polls/{named['id']}/ballot", json={"option_id": yes})
        world["del1"].ok("POST", f"/api/polls/{named['id']}/ballot", json={"option_id": yes})
        secret = sec.ok("POST", f"{base}/polls", json={"title": "Kín", "secret": True})
        sec.ok("POST", f"/api/polls/{secret['id']}/open")
        receipt = world["del1"].ok(
            "POST", f"/api/polls/{secret['id']}/ballot", json={"option_id": secret["options"][1]["id"]}
        )
        world["chair"].ok("POST", f"/api/polls/{secret['id']}/ballot", json={"option_id": secret["options"][0]["id"]})
        sec.ok("POST", f"/api/polls/{named['id']}/close")
        sec.ok("DELETE", f"{base}/agenda/{world.item_ids[1]}")  # the closed poll keeps its record, item-less
        return {"secret": secret["id"], "named": named["id"], "receipt_poll": receipt["poll_id"]}

    ids = await asyncio.to_thread(run_meeting)
    # a snapshot's counts may be ahead of the last poll.voted by up to poll_tally_seconds (the next tally
    # brings them level): let the last tally go out before comparing
    await asyncio.sleep(1.0)
    # a secret ballot is never named in an event: the voter's own client keeps that it voted
    for name, tablet in tablets.items():
        expected = await catch_up(tablet, world, name)
        if name == "del1":
            poll = next(p for p in tablet.state["polls"] if p["id"] == ids["secret"])
            assert poll["voted"] is False  # nothing in the events said so
            poll["voted"] = True  # what kiosk/js/polls-state.js markVoted does with the ballot's answer
        assert comparable(tablet.state) == comparable(expected["state"]), name
        assert {
            "attendance.changed",
            "poll.created",
            "poll.updated",
            "poll.deleted",
            "poll.opened",
            "poll.voted",
            "poll.closed",
        } <= set(tablet.names)
    state = tablets["guest"].state
    named = next(p for p in state["polls"] if p["id"] == ids["named"])
    assert named["status"] == "closed" and named["agenda_item_id"] is None and len(named["ballots"]) == 2
    assert state["attendance"]["delegated"] == 1 and state["attendance"]["quorum"] is True
    for tablet in tablets.values():
        await tablet.close()
