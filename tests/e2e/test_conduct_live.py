"""The floor, opinions, notes, conclusions and tasks over live sync: a real server, real websocket tablets."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import MeetingWorld
from tests.support.live import Tablet, comparable

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RENAMED = "Nguyễn Thị Đại Biểu Một"


def public_document(world: MeetingWorld) -> int:
    path = FIXTURES / "bao-cao-ihanoi.pdf"
    with path.open("rb") as handle:
        response = world["sec"].request(
            "POST",
            f"/api/meetings/{world.meeting_id}/documents",
            files={"file": (path.name, handle, "application/pdf")},
            data={"classification": "public"},
        )
    assert response.status_code == 202, response.text
    document_id: int = response.json()["id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        document = world["sec"].ok("GET", f"/api/documents/{document_id}")
        if document["status"] == "ready" and document["searchable"]:
            return document_id
        time.sleep(0.1)
    raise AssertionError("document not ready")


def run_the_meeting(world: MeetingWorld, document_id: int) -> None:
    """A meeting from the first request to speak to the tasks, touching every event of this half."""
    sec, base = world["sec"], f"/api/meetings/{world.meeting_id}"
    item = world.item_ids[1]
    sec.ok("POST", f"{base}/start")
    sec.ok("PATCH", f"{base}/agenda/{item}", json={"speaking_limit_seconds": 90})
    sec.ok("POST", f"{base}/agenda/{item}/current")
    first = world["del1"].ok("POST", f"{base}/speakers", json={})
    second = world["del2"].ok("POST", f"{base}/speakers", json={})
    sec.ok("POST", f"{base}/speakers/reorder", json={"request_ids": [second["id"], first["id"]]})
    sec.ok("POST", f"{base}/speakers/{second['id']}/start")
    sec.ok("POST", f"{base}/speakers/{first['id']}/start")  # ends del2's speech first
    again = world["del2"].ok("POST", f"{base}/speakers", json={})
    world["del2"].ok("DELETE", f"{base}/speakers/{again['id']}")
    third = world["chair"].ok("POST", f"{base}/speakers", json={})
    sec.ok("DELETE", f"{base}/speakers/{third['id']}")
    request = sec.ok(
        "POST", f"{base}/opinion-requests", json={"document_id": document_id, "question": "Góp ý dự thảo báo cáo"}
    )
    sec.ok("PATCH", f"{base}/opinion-requests/{request['id']}", json={"question": "Góp ý dự thảo báo cáo (lần 2)"})
    world["del1"].ok("PUT", f"{base}/opinions", json={"document_id": document_id, "stance": "agree"})
    world["del2"].ok("PUT", f"{base}/opinions", json={"agenda_item_id": item, "stance": "other", "text": "Bổ sung"})
    world["del1"].ok("PUT", f"/api/documents/{document_id}/notes/2", json={"text": "Xem lại số liệu"})
    sec.ok("PUT", f"{base}/agenda/{item}/conclusion", json={"text": "Thống nhất thông qua báo cáo."})
    task = sec.ok(
        "POST",
        f"{base}/tasks",
        json={"title": "Hoàn thiện báo cáo", "assignee_id": world["del1"].user["id"], "agenda_item_id": item},
    )
    world["del1"].ok("PATCH", f"/api/tasks/{task['id']}", json={"status": "in_progress"})
    spare = sec.ok("POST", f"{base}/tasks", json={"title": "Việc thừa", "assigned_unit": "Văn phòng"})
    sec.ok("DELETE", f"/api/tasks/{spare['id']}")
    sec.ok("POST", f"{base}/speakers/{first['id']}/end")
    # the chair attends through del1, then an administrator corrects del1's name: every row showing it follows
    people = {p["username"]: p["id"] for p in sec.ok("GET", f"{base}/participants")}
    sec.ok(
        "PATCH",
        f"{base}/participants/{people['chair']}",
        json={"attendance": "delegated", "delegated_to_username": "del1"},
    )
    world["root"].ok("PATCH", f"/api/users/{world['del1'].user['id']}", json={"full_name": RENAMED})


async def caught_up(tablet: Tablet, world: MeetingWorld, username: str) -> dict:
    expected = world[username].ok("GET", f"/api/meetings/{world.meeting_id}/snapshot")
    while tablet.seq < expected["seq"]:
        await tablet.receive()
    return expected


async def test_every_flow_reaches_the_tablets_and_matches_a_fresh_snapshot(world: MeetingWorld) -> None:
    document_id = await asyncio.to_thread(public_document, world)
    people = ("del1", "del1", "del2", "sec")  # del1 on two devices
    tablets = [await Tablet(world.server.ws_url, world.meeting_id, world[u].token).connect() for u in people]
    for tablet in tablets:
        assert (await tablet.receive())["type"] == "snapshot"
    await asyncio.to_thread(run_the_meeting, world, document_id)
    for tablet, username in zip(tablets, people, strict=True):
        expected = await caught_up(tablet, world, username)
        assert comparable(tablet.state) == comparable(expected["state"]), username
    del1, _, del2, sec = tablets
    assert {
        "speaker.requested",
        "speaker.reordered",
        "speaker.started",
        "speaker.ended",
        "speaker.withdrawn",
        "speaker.removed",
        "opinion.requested",
        "opinion.added",
        "conclusion.set",
        "task.created",
        "task.updated",
        "task.deleted",
        "note.changed",
    } <= set(del1.names)
    # a note reaches its author's devices only
    assert "note.changed" in tablets[1].names
    assert "note.changed" not in del2.names and "note.changed" not in sec.names
    state = del1.state
    assert state is not None
    assert state["floor"]["speaking"] is None and state["floor"]["queue"] == []
    assert state["my_notes"] == [{"document_id": document_id, "count": 1}]
    assert sec.state is not None and sec.state["my_notes"] == []
    assert [c["text"] for c in state["conclusions"]] == ["Thống nhất thông qua báo cáo."]
    for tablet in tablets:  # the rename reached every tablet live, not only their next snapshots
        assert tablet.state is not None
        shown = {p["username"]: p for p in tablet.state["participants"]}
        assert shown["del1"]["full_name"] == RENAMED and shown["chair"]["delegated_to_name"] == RENAMED
        assert [t["assignee_name"] for t in tablet.state["tasks"]] == [RENAMED]
    speeches = world["del1"].ok("GET", f"/api/meetings/{world.meeting_id}/speakers")["speeches"]
    assert [(s["user_id"], s["limit_seconds"]) for s in speeches] == [
        (world["del2"].user["id"], 90),
        (world["del1"].user["id"], 90),
    ]
    for tablet in tablets:
        await tablet.close()


async def test_simultaneous_submits_leave_one_row(world: MeetingWorld) -> None:
    base = f"{world.server.url}/api/meetings/{world.meeting_id}"
    headers = {"Authorization": f"Bearer {world['del1'].token}"}
    item = world.item_ids[0]
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        stances = ["agree", "disagree", "other"] * 8
        opinions = await asyncio.gather(
            *(
                client.put(f"{base}/opinions", json={"agenda_item_id": item, "stance": s, "text": f"lần {n}"})
                for n, s in enumerate(stances)
            )
        )
        requests = await asyncio.gather(*(client.post(f"{base}/speakers", json={}) for _ in range(12)))
    assert all(response.status_code == 200 for response in opinions), [r.text for r in opinions]
    assert sorted(r.status_code for r in requests) == [201] + [409] * 11, [r.text for r in requests]
    with sqlite3.connect(world.server.data_dir / "icabinet.db") as db:
        user_id = world["del1"].user["id"]
        rows = db.execute("SELECT stance, text FROM opinion WHERE user_id = ?", (user_id,)).fetchall()
        active = db.execute(
            "SELECT COUNT(*) FROM speaker_request WHERE user_id = ? AND status IN ('waiting', 'speaking')", (user_id,)
        ).fetchone()[0]
    assert len(rows) == 1 and active == 1
    summary = world["sec"].ok("GET", f"/api/meetings/{world.meeting_id}/opinions/summary")
    assert [(o["stance"], o["text"]) for o in summary["opinions"]] == [tuple(rows[0])]
    counts = summary["counts"][0]
    assert counts["agree"] + counts["disagree"] + counts["other"] == 1
