"""Written opinions (phiếu lấy ý kiến): one per person per target, counts for all, texts for managers only."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.server.conduct_helpers import ready_document
from tests.server.conftest import App


def counts_of(app: App, meeting_id: int, username: str) -> list[dict]:
    return app.users[username].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]["opinions"]["counts"]


def test_submit_replace_counts_and_summary(app: App) -> None:
    meeting_id, items = app.new_meeting()  # a draft meeting: opinions on the draft before it starts
    base = f"/api/meetings/{meeting_id}/opinions"
    target = {"agenda_item_id": items[0]}
    app.users["del1"].ok("PUT", base, json={**target, "stance": "disagree", "text": "Chưa rõ nguồn vốn"})
    app.users["chair"].ok("PUT", base, json={**target, "stance": "agree"})
    replaced = app.users["del1"].ok("PUT", base, json={**target, "stance": "other", "text": "Cần bổ sung số liệu"})
    assert replaced["stance"] == "other"

    expected = [
        {"target": f"agenda_item:{items[0]}", "document_id": None, "agenda_item_id": items[0]}
        | {"agree": 1, "disagree": 0, "other": 1}
    ]
    for username in ("guest", "del1", "sec"):
        assert counts_of(app, meeting_id, username) == expected

    mine = app.users["del1"].ok("GET", base)
    assert [(o["stance"], o["text"]) for o in mine["mine"]] == [("other", "Cần bổ sung số liệu")]
    assert mine["counts"] == expected
    assert app.users["guest"].ok("GET", base)["mine"] == []

    summary = app.users["sec"].ok("GET", f"{base}/summary")
    named = {(o["username"], o["stance"], o["text"]) for o in summary["opinions"]}
    assert named == {("del1", "other", "Cần bổ sung số liệu"), ("chair", "agree", "")}
    assert summary["counts"] == expected
    # texts never reach a delegate: not in the snapshot, not in their own listing
    assert "Chưa rõ" not in str(app.snapshot(meeting_id)) and "Cần bổ sung" not in str(
        app.users["guest"].ok("GET", base)
    )
    refused = app.users["del1"].request("GET", f"{base}/summary")
    assert refused.status_code == 403

    actions = [a["action"] for a in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert actions.count("opinion.submit") == 3


def test_opinion_request_with_a_deadline(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec = app.users["sec"]
    deadline = datetime.now(UTC) + timedelta(seconds=1.5)
    request = sec.ok(
        "POST",
        f"/api/meetings/{meeting_id}/opinion-requests",
        json={"agenda_item_id": items[1], "question": "Đồng ý thông qua đề án?", "deadline": deadline.isoformat()},
    )
    state = app.snapshot(meeting_id)["state"]["opinions"]
    assert [r["id"] for r in state["requests"]] == [request["id"]] and state["requests"][0]["deadline"]
    base = f"/api/meetings/{meeting_id}/opinions"
    app.users["del1"].ok("PUT", base, json={"agenda_item_id": items[1], "stance": "agree"})
    again = sec.request("POST", f"/api/meetings/{meeting_id}/opinion-requests", json={"agenda_item_id": items[1]})
    assert again.status_code == 409

    time.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.1)
    before = app.snapshot(meeting_id)
    late = app.users["del1"].request("PUT", base, json={"agenda_item_id": items[1], "stance": "disagree"})
    assert late.status_code == 409 and "hết hạn" in late.json()["detail"], late.text
    # the deadline as the delegate reads it: the organisation's time, dd/mm/yyyy 24 h
    local = deadline.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"(hạn {local:%d/%m/%Y %H:%M} GMT+7)" in late.json()["detail"], late.text
    assert app.snapshot(meeting_id) == before
    # the chair extends it: submissions are accepted again
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    edited = sec.ok(
        "PATCH",
        f"/api/meetings/{meeting_id}/opinion-requests/{request['id']}",
        json={"deadline": later, "version": request["version"]},
    )
    assert edited["version"] == request["version"] + 1
    app.users["del1"].ok("PUT", base, json={"agenda_item_id": items[1], "stance": "disagree"})
    stale = sec.request(
        "PATCH",
        f"/api/meetings/{meeting_id}/opinion-requests/{request['id']}",
        json={"question": "?", "version": request["version"]},
    )
    assert stale.status_code == 409


def test_document_opinions_reach_only_its_readers(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    secret = ready_document(app, meeting_id, "confidential", allowed_usernames="chair")
    public = ready_document(app, meeting_id, "public")
    base = f"/api/meetings/{meeting_id}/opinions"
    app.users["chair"].ok("PUT", base, json={"document_id": secret["id"], "stance": "agree"})
    app.users["del1"].ok("PUT", base, json={"document_id": public["id"], "stance": "agree"})
    assert sorted(c["document_id"] for c in counts_of(app, meeting_id, "chair")) == [secret["id"], public["id"]]
    assert [c["document_id"] for c in counts_of(app, meeting_id, "del1")] == [public["id"]]
    hidden = app.users["del1"].request("PUT", base, json={"document_id": secret["id"], "stance": "agree"})
    assert hidden.status_code == 404, "a document you may not read does not exist for you"
    guest = app.users["guest"].request("PUT", base, json={"document_id": public["id"], "stance": "agree"})
    assert guest.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"stance": "agree"}, 400),  # no target
        ({"stance": "agree", "agenda_item_id": 0, "document_id": 0}, 400),  # two targets
        ({"stance": "maybe", "agenda_item_id": 0}, 400),
        ({"stance": "other", "agenda_item_id": 0}, 400),  # "other" needs a text
        ({"stance": "other", "text": "x" * 5001, "agenda_item_id": 0}, 400),
        ({"stance": "agree", "agenda_item_id": 999999}, 404),
        ({"stance": "agree", "document_id": 999999}, 404),
    ],
)
def test_bad_opinions_are_refused(app: App, body: dict, status: int) -> None:
    meeting_id, items = app.new_meeting()
    if body.get("agenda_item_id") == 0:
        body = {**body, "agenda_item_id": items[0]}
    before = app.snapshot(meeting_id)
    response = app.users["del1"].request("PUT", f"/api/meetings/{meeting_id}/opinions", json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert app.snapshot(meeting_id) == before


@pytest.mark.parametrize(
    ("deadline", "status"),
    [("2030-01-01T10:00:00", 400), ("2020-01-01T10:00:00+07:00", 400), ("tomorrow", 400)],
)
def test_bad_opinion_requests_are_refused(app: App, deadline: str, status: int) -> None:
    meeting_id, items = app.new_meeting()
    before = app.snapshot(meeting_id)
    response = app.users["sec"].request(
        "POST",
        f"/api/meetings/{meeting_id}/opinion-requests",
        json={"agenda_item_id": items[0], "deadline": deadline},
    )
    assert response.status_code == status, response.text
    assert app.snapshot(meeting_id) == before


def test_no_opinions_once_the_meeting_is_closed(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    app.users["sec"].ok("POST", f"/api/meetings/{meeting_id}/close")
    response = app.users["del1"].request(
        "PUT", f"/api/meetings/{meeting_id}/opinions", json={"agenda_item_id": items[0], "stance": "agree"}
    )
    assert response.status_code == 409
