"""Check-ins decided together (server/meetings/checkins.py): one transaction for a group, yet each caller gets
the answer a check-in on its own gets, and tablets, counts and the audit log see the same as after one by one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from server.auth.models import User
from server.auth.service import Principal
from server.db import utcnow
from server.errors import AppError
from tests.server.conftest import App
from tests.server.test_votes import query

NAMES = ["chair", "del1", "guest", "outsider", "root", "del1", "sec"]


def together(app: App, meeting_ids: list[int]) -> tuple[list[Any], list[int]]:
    """Every (name, meeting) check-in submitted in one go, so the writer takes them as one group; the answers
    and the sizes of the groups it decided."""
    state = app.http.app.state
    writer = state.checkins
    sizes: list[int] = []
    transaction = writer.transaction

    async def watched(group: list[Any]) -> Any:
        sizes.append(len(group))
        if getattr(writer, "fail_groups", False) and len(group) > 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return await transaction(group)

    async def submit_all() -> list[Any]:
        async with state.db.read() as session:
            users = {u.username: u for u in (await session.exec(select(User).where(col(User.username).in_(NAMES))))}
        expires = utcnow() + timedelta(hours=1)
        return await asyncio.gather(
            *(
                writer.submit(Principal(user=users[name], token_expires_at=expires), meeting_id)
                for meeting_id in meeting_ids
                for name in NAMES
            ),
            return_exceptions=True,
        )

    writer.transaction = watched
    try:
        return app.http.blocking_portal.call(submit_all), sizes
    finally:
        del writer.transaction


@pytest.mark.parametrize("group_fails", [False, True], ids=["one-group", "group-fails-then-one-by-one"])
def test_a_group_gives_every_check_in_its_own_answer(app: App, group_fails: bool) -> None:
    """Participants (chair, delegate, guest; a delegate twice) are present with their check-in time; an outsider
    gets 404, an administrator who is not a participant 400; a closed meeting 409 for everyone. Each meeting
    logs a participant.changed per check-in and one attendance.changed with the counts after all of them, in
    seq order with nothing between; each check-in leaves its audit row. If the group fails as a whole, the
    same answers come from one transaction each."""
    open_id, _ = app.new_meeting(live=True)
    closed_id, _ = app.new_meeting(live=True)
    app.users["sec"].ok("POST", f"/api/meetings/{closed_id}/close")
    seq_before = app.snapshot(open_id)["seq"]
    app.http.app.state.checkins.fail_groups = group_fails
    try:
        answers, sizes = together(app, [open_id, closed_id])
    finally:
        del app.http.app.state.checkins.fail_groups

    assert sizes[0] == 2 * len(NAMES)
    if group_fails:
        assert sizes[1:] == [1] * (2 * len(NAMES))
    outcome = [a.status_code if isinstance(a, AppError) else (a.username, a.attendance) for a in answers]
    open_part, closed_part = outcome[: len(NAMES)], outcome[len(NAMES) :]
    assert open_part == [
        ("chair", "present"),
        ("del1", "present"),
        ("guest", "present"),
        404,
        400,
        ("del1", "present"),
        ("sec", "present"),
    ]
    assert closed_part == [409, 409, 409, 404, 400, 409, 409]
    assert "not a participant" in str(answers[4]) and "closed" in str(answers[len(NAMES)])
    first, again = answers[1], answers[5]
    assert first.checked_in_at == again.checked_in_at, "a second check-in keeps the first one's time"

    snapshot = app.snapshot(open_id)
    checked_in = {p["username"] for p in snapshot["state"]["participants"] if p["attendance"] == "present"}
    assert checked_in == {"chair", "del1", "guest", "sec"}
    events = query(
        app,
        "SELECT seq, name FROM meeting_event WHERE meeting_id = ? AND seq > ? ORDER BY seq",
        open_id,
        seq_before,
    )
    assert [seq for seq, _ in events] == list(range(seq_before + 1, snapshot["seq"] + 1))
    names = [name for _, name in events]
    changed = [name for name in names if name == "participant.changed"]
    assert len(changed) == 5
    assert names[-1] == "attendance.changed"
    assert snapshot["state"]["attendance"]["present"] == 4
    audit = query(
        app, "SELECT actor_id FROM audit_log WHERE action = 'participant.updated' AND meeting_id = ?", open_id
    )
    assert len(audit) == 5
    assert (
        query(app, "SELECT count(*) FROM meeting_event WHERE meeting_id = ? AND seq > 0", closed_id)[0][0]
        == (app.snapshot(closed_id)["seq"])
    ), "the closed meeting logged nothing more"


def test_a_check_in_through_the_api_is_seen_by_the_snapshot_and_the_audit_log(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    answer = app.users["del1"].ok("POST", f"/api/meetings/{meeting_id}/checkin")
    assert answer["attendance"] == "present" and answer["checked_in_at"]
    mine = [p for p in app.snapshot(meeting_id)["state"]["participants"] if p["username"] == "del1"]
    assert mine[0]["attendance"] == "present" and mine[0]["checked_in_at"] == answer["checked_in_at"]
    assert app.users["outsider"].request("POST", f"/api/meetings/{meeting_id}/checkin").status_code == 404
    assert app.users["root"].request("POST", f"/api/meetings/{meeting_id}/checkin").status_code == 400
    assert app.users["del1"].request("POST", "/api/meetings/999999/checkin").status_code == 404
