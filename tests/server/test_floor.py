"""The floor (đăng ký phát biểu) through the API: queue, grant, end, reorder, remove, timer limits, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import App


def floor_of(app: App, meeting_id: int) -> dict[str, Any]:
    return app.snapshot(meeting_id)["state"]["floor"]


def with_second_delegate(app: App, meeting_id: int) -> None:
    app.users["sec"].ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": "outsider"})


def test_queue_grant_pass_on_and_the_speech_log(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec, chair, del1 = app.users["sec"], app.users["chair"], app.users["del1"]
    base = f"/api/meetings/{meeting_id}/speakers"
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[1]}/current")
    first = del1.ok("POST", base, json={})
    assert first["status"] == "waiting" and first["agenda_item_id"] == items[1], "default: the current item"
    second = chair.ok("POST", base, json={"agenda_item_id": items[0]})
    assert [r["id"] for r in floor_of(app, meeting_id)["queue"]] == [first["id"], second["id"]]

    reordered = sec.ok("POST", f"{base}/reorder", json={"request_ids": [second["id"], first["id"]]})
    assert [r["id"] for r in reordered] == [second["id"], first["id"]]
    assert [r["id"] for r in floor_of(app, meeting_id)["queue"]] == [second["id"], first["id"]]

    started = sec.ok("POST", f"{base}/{first['id']}/start")
    assert started["status"] == "speaking" and started["started_at"] and started["limit_seconds"] == 300
    floor = floor_of(app, meeting_id)
    assert floor["speaking"]["id"] == first["id"] and [r["id"] for r in floor["queue"]] == [second["id"]]
    assert floor["default_limit_seconds"] == 300

    # granting while someone speaks ends that speech first: one speaker at a time
    sec.ok("POST", f"{base}/{second['id']}/start")
    floor = floor_of(app, meeting_id)
    assert floor["speaking"]["id"] == second["id"] and floor["queue"] == []
    chair.ok("POST", f"{base}/{second['id']}/end")  # the speaker ends their own speech
    assert floor_of(app, meeting_id)["speaking"] is None

    log = del1.ok("GET", base)
    assert [s["id"] for s in log["speeches"]] == [first["id"], second["id"]]
    for speech in log["speeches"]:
        assert speech["status"] == "done" and speech["started_at"] <= speech["ended_at"]
    actions = [a["action"] for a in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    for action in ("speaker.request", "speaker.reorder", "speaker.start", "speaker.end"):
        assert action in actions
    # the same person may ask again once their speech is over
    assert del1.ok("POST", base, json={})["status"] == "waiting"


def test_withdraw_and_remove(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    with_second_delegate(app, meeting_id)
    base = f"/api/meetings/{meeting_id}/speakers"
    mine = app.users["del1"].ok("POST", base, json={})
    theirs = app.users["outsider"].ok("POST", base, json={})
    refused = app.users["del1"].request("DELETE", f"{base}/{theirs['id']}")
    assert refused.status_code == 403 and refused.json()["detail"]
    app.users["del1"].ok("DELETE", f"{base}/{mine['id']}")
    app.users["chair"].ok("DELETE", f"{base}/{theirs['id']}")
    assert floor_of(app, meeting_id)["queue"] == []
    actions = [a["action"] for a in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert "speaker.withdraw" in actions and "speaker.remove" in actions
    again = app.users["del1"].request("DELETE", f"{base}/{mine['id']}")
    assert again.status_code == 409, "a withdrawn request cannot be withdrawn twice"


def test_the_chair_puts_a_participant_on_the_queue(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    base = f"/api/meetings/{meeting_id}/speakers"
    del1_id = app.users["del1"].user["id"]
    request = app.users["chair"].ok("POST", base, json={"user_id": del1_id})
    assert request["user_id"] == del1_id
    guest = app.users["sec"].request("POST", base, json={"user_id": app.users["guest"].user["id"]})
    assert guest.status_code == 403
    stranger = app.users["sec"].request("POST", base, json={"user_id": app.users["sec2"].user["id"]})
    assert stranger.status_code == 400
    by_delegate = app.users["guest"].request("POST", base, json={"user_id": del1_id})
    assert by_delegate.status_code == 403


def test_speaking_limit_comes_from_the_item_then_the_setting(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec, base = app.users["sec"], f"/api/meetings/{meeting_id}/speakers"
    item = sec.ok("PATCH", f"/api/meetings/{meeting_id}/agenda/{items[0]}", json={"speaking_limit_seconds": 120})
    assert item["speaking_limit_seconds"] == 120
    sec.ok("PATCH", f"/api/meetings/{meeting_id}/agenda/{items[1]}", json={"speaking_limit_seconds": 0})
    limits = []
    for item_id in (items[0], items[1], None):
        request = app.users["del1"].ok("POST", base, json={"agenda_item_id": item_id} if item_id else {})
        limits.append(sec.ok("POST", f"{base}/{request['id']}/start")["limit_seconds"])
        sec.ok("POST", f"{base}/{request['id']}/end")
    assert limits == [120, None, 300], "item's limit, 0 = no limit, else the setting"
    bad = sec.request("PATCH", f"/api/meetings/{meeting_id}/agenda/{items[0]}", json={"speaking_limit_seconds": -5})
    assert bad.status_code == 400


def test_closing_the_meeting_ends_the_speech(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    sec, base = app.users["sec"], f"/api/meetings/{meeting_id}/speakers"
    request = app.users["del1"].ok("POST", base, json={})
    sec.ok("POST", f"{base}/{request['id']}/start")
    sec.ok("POST", f"/api/meetings/{meeting_id}/close")
    floor = sec.ok("GET", base)
    assert floor["speaking"] is None and floor["speeches"][0]["ended_at"]
    late = app.users["del1"].request("POST", base, json={})
    assert late.status_code == 409


def test_requests_lapse_when_the_meeting_moves_on_from_their_item_and_when_it_closes(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    with_second_delegate(app, meeting_id)
    sec, chair, del1 = app.users["sec"], app.users["chair"], app.users["del1"]
    base = f"/api/meetings/{meeting_id}/speakers"
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[0]}/current")
    on_first = del1.ok("POST", base, json={})
    for_later = chair.ok("POST", base, json={"agenda_item_id": items[1]})
    speaking = app.users["outsider"].ok("POST", base, json={})
    sec.ok("POST", f"{base}/{speaking['id']}/start")

    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[1]}/current")
    floor = floor_of(app, meeting_id)
    assert [r["id"] for r in floor["queue"]] == [for_later["id"]], "the request for the next item stays"
    assert floor["speaking"]["id"] == speaking["id"], "a speech under way is the chair's to end"
    again = del1.ok("POST", base, json={})
    assert again["agenda_item_id"] == items[1], "may ask again, on the new item"

    sec.ok("POST", f"{base}/{speaking['id']}/end")
    late = sec.ok("POST", base, json={"agenda_item_id": items[0]})  # on an item already dealt with

    sec.ok("POST", f"/api/meetings/{meeting_id}/close")
    floor = sec.ok("GET", base)
    assert floor["queue"] == [] and floor["speaking"] is None
    audit = app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    lapses = [
        (a["detail"]["agenda_item_id"], a["detail"]["request_ids"]) for a in audit if a["action"] == "speaker.lapse"
    ]
    assert sorted(lapses, key=lambda lapse: lapse[1]) == [
        (items[0], [on_first["id"]]),
        (items[1], [for_later["id"], again["id"]]),  # the current item's, as the meeting closes
        (None, [late["id"]]),  # and whatever else still waited
    ]


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("guest", "request", 403),
        ("root", "request", 403),  # an administrator who does not take part has no seat to speak from
        ("del1", "request twice", 409),
        ("del1", "start", 403),
        ("sec", "start in a draft meeting", 409),
        ("sec", "start a withdrawn request", 409),
        ("sec", "end one not speaking", 409),
        ("sec", "reorder leaving one out", 400),
        ("sec", "reorder twice the same", 400),
        ("sec", "request on another meeting's item", 404),
        ("sec", "unknown request", 404),
        ("del1", "bad body", 400),
    ],
)
def test_refusals_change_nothing(app: App, who: str, action: str, status: int) -> None:
    meeting_id, items = app.new_meeting(live=action != "start in a draft meeting")
    _, other_items = app.new_meeting()
    base = f"/api/meetings/{meeting_id}/speakers"
    waiting = app.users["chair"].ok("POST", base, json={})
    if action == "start a withdrawn request":
        app.users["chair"].ok("DELETE", f"{base}/{waiting['id']}")
    if action == "request twice":
        app.users["del1"].ok("POST", base, json={})
    before = app.snapshot(meeting_id)
    client = app.users[who]
    calls = {
        "request": ("POST", base, {}),
        "request twice": ("POST", base, {}),
        "start": ("POST", f"{base}/{waiting['id']}/start", None),
        "start in a draft meeting": ("POST", f"{base}/{waiting['id']}/start", None),
        "start a withdrawn request": ("POST", f"{base}/{waiting['id']}/start", None),
        "end one not speaking": ("POST", f"{base}/{waiting['id']}/end", None),
        "reorder leaving one out": ("POST", f"{base}/reorder", {"request_ids": [waiting["id"] + 1000]}),
        "reorder twice the same": ("POST", f"{base}/reorder", {"request_ids": [waiting["id"], waiting["id"]]}),
        "request on another meeting's item": ("POST", base, {"agenda_item_id": other_items[0]}),
        "unknown request": ("POST", f"{base}/999999/start", None),
        "bad body": ("POST", base, {"agenda_item_id": "first"}),
    }
    method, path, body = calls[action]
    response = client.request(method, path, **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert app.snapshot(meeting_id) == before
