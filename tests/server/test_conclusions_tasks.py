"""Conclusions per agenda item (kết luận) and tasks (giao việc) listed across meetings."""

from __future__ import annotations

import pytest

from tests.server.conftest import App


def test_conclusions_are_set_edited_and_cleared(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec, chair = app.users["sec"], app.users["chair"]
    path = f"/api/meetings/{meeting_id}/agenda/{items[0]}/conclusion"
    first = chair.ok("PUT", path, json={"text": "  Thống nhất chủ trương.  "})
    assert first["text"] == "Thống nhất chủ trương." and first["version"] == 1
    edited = sec.ok("PUT", path, json={"text": "Thống nhất chủ trương, giao Sở Tài chính.", "version": 1})
    assert edited["version"] == 2
    stale = chair.request("PUT", path, json={"text": "Cũ", "version": 1})
    assert stale.status_code == 409
    assert app.snapshot(meeting_id)["state"]["conclusions"] == [edited]
    assert app.users["guest"].ok("GET", f"/api/meetings/{meeting_id}/conclusions") == [edited]
    refused = app.users["del1"].request("PUT", path, json={"text": "Tự kết luận"})
    assert refused.status_code == 403
    assert chair.ok("PUT", path, json={"text": ""}) is None
    assert app.snapshot(meeting_id)["state"]["conclusions"] == []
    actions = [a["action"] for a in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert actions.count("conclusion.set") == 2 and "conclusion.clear" in actions


def test_a_removed_item_takes_its_conclusion(app: App) -> None:
    meeting_id, items = app.new_meeting()
    sec = app.users["sec"]
    sec.ok("PUT", f"/api/meetings/{meeting_id}/agenda/{items[1]}/conclusion", json={"text": "Thông qua"})
    sec.ok("DELETE", f"/api/meetings/{meeting_id}/agenda/{items[1]}")
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/conclusions") == []
    other, _ = app.new_meeting()
    elsewhere = sec.request("PUT", f"/api/meetings/{other}/agenda/{items[0]}/conclusion", json={"text": "x"})
    assert elsewhere.status_code == 404


def test_tasks_from_creation_to_review_at_the_next_meeting(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec, del1 = app.users["sec"], app.users["del1"]
    base = f"/api/meetings/{meeting_id}/tasks"
    late = sec.ok(
        "POST",
        base,
        json={"title": "Báo cáo tiến độ đề án 06", "assignee_id": del1.user["id"], "deadline": "2020-06-30"},
    )
    assert late["overdue"] and late["assignee_name"] == "del1" and late["status"] == "open"
    unit = sec.ok(
        "POST",
        base,
        json={
            "title": "Rà soát hạ tầng",
            "assigned_unit": "Sở TT&TT",
            "agenda_item_id": items[0],
            "deadline": "2099-01-01",
        },
    )
    outside = sec.ok("POST", base, json={"title": "Góp ý dự thảo", "assignee_id": app.users["outsider"].user["id"]})
    assert [t["id"] for t in app.snapshot(meeting_id)["state"]["tasks"]] == [late["id"], unit["id"], outside["id"]]
    assert "overdue" not in app.snapshot(meeting_id)["state"]["tasks"][0], "the calendar decides, not the snapshot"

    # the assignee moves their task along; the status is all they may change
    moved = del1.ok("PATCH", f"/api/tasks/{late['id']}", json={"status": "in_progress", "version": late["version"]})
    assert moved["status"] == "in_progress" and moved["version"] == late["version"] + 1
    retitle = del1.request("PATCH", f"/api/tasks/{late['id']}", json={"title": "Khác"})
    assert retitle.status_code == 403
    stale = sec.request("PATCH", f"/api/tasks/{late['id']}", json={"note": "x", "version": late["version"]})
    assert stale.status_code == 409

    # the next meeting reviews what is still open, across meetings
    def ids(client: str, **params: object) -> list[int]:
        return [t["id"] for t in app.users[client].ok("GET", "/api/tasks", params=params)]

    assert ids("sec", meeting_id=meeting_id, overdue=True) == [late["id"]]
    assert ids("sec", meeting_id=meeting_id, status=["open"]) == [unit["id"], outside["id"]]
    assert ids("sec", meeting_id=meeting_id, status=["open", "in_progress"], overdue=False) == [
        unit["id"],
        outside["id"],
    ]
    assert ids("sec", assignee_id=del1.user["id"], meeting_id=meeting_id) == [late["id"]]
    assert ids("outsider") == [outside["id"]], "a non-participant assignee sees their own task only"
    assert set(ids("sec2", meeting_id=meeting_id)) == {late["id"], unit["id"], outside["id"]}, "staff see all"
    assert set(ids("guest", meeting_id=meeting_id)) == {late["id"], unit["id"], outside["id"]}
    other_meeting, _ = app.new_meeting()
    assert app.users["outsider"].request("GET", f"/api/meetings/{meeting_id}/tasks").status_code == 404

    # status changes go on after the meeting closed; the assignee not in the meeting may change theirs
    sec.ok("POST", f"/api/meetings/{meeting_id}/close")
    assert app.users["outsider"].ok("PATCH", f"/api/tasks/{outside['id']}", json={"status": "done"})["status"] == "done"
    sec.ok("DELETE", f"/api/tasks/{unit['id']}")
    assert ids("sec", meeting_id=meeting_id) == [late["id"], outside["id"]]
    actions = [a["action"] for a in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert actions.count("task.create") == 3 and "task.update" in actions and "task.delete" in actions
    assert other_meeting


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": "Không giao cho ai"}, 400),
        ({"title": "", "assigned_unit": "Sở"}, 400),
        ({"title": "Hạn sai", "assigned_unit": "Sở", "deadline": "31/12/2026"}, 400),
        ({"title": "Người lạ", "assignee_id": 999999}, 404),
        ({"title": "Mục lạ", "assigned_unit": "Sở", "agenda_item_id": 999999}, 404),
        ({"title": "Trạng thái lạ", "assigned_unit": "Sở", "status": "done"}, 400),
    ],
)
def test_bad_tasks_are_refused(app: App, body: dict, status: int) -> None:
    meeting_id, _ = app.new_meeting()
    before = app.snapshot(meeting_id)
    response = app.users["sec"].request("POST", f"/api/meetings/{meeting_id}/tasks", json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert app.snapshot(meeting_id) == before


def test_bad_task_edits_and_filters(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    sec = app.users["sec"]
    task = sec.ok("POST", f"/api/meetings/{meeting_id}/tasks", json={"title": "Việc", "assigned_unit": "Sở"})
    for body, status in (
        ({"status": "finished"}, 400),
        ({"assigned_unit": ""}, 400),  # nobody left to do it
        ({"title": None}, 400),
    ):
        response = sec.request("PATCH", f"/api/tasks/{task['id']}", json=body)
        assert response.status_code == status, (body, response.text)
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/tasks")[0]["version"] == task["version"]
    assert sec.request("GET", "/api/tasks", params={"status": "someday"}).status_code == 400
    assert sec.request("GET", "/api/tasks", params={"limit": 0}).status_code == 400
    assert sec.request("PATCH", "/api/tasks/999999", json={"status": "done"}).status_code == 404
