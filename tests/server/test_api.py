"""Behaviour of the REST API: meetings, participants, agenda, auth; bad input changes nothing."""

from __future__ import annotations

import pytest

from tests.server.conftest import PASSWORD, App, unique


def agenda(app: App, meeting_id: int) -> list[dict]:
    return app.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/agenda")


def test_login_returns_token_and_user(app: App) -> None:
    response = app.anonymous().request("POST", "/api/auth/login", json={"username": "del1", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["user"]["username"] == "del1" and "password_hash" not in body["user"]
    assert "icabinet_token" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    "payload",
    [{"username": "del1", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}],
)
def test_login_refuses_bad_credentials_the_same_way(app: App, payload: dict) -> None:
    response = app.anonymous().request("POST", "/api/auth/login", json=payload, headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password"


def test_errors_follow_accept_language(app: App) -> None:
    sec = app.users["sec"]
    vi = sec.request("GET", "/api/meetings/999999", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    en = sec.request("GET", "/api/meetings/999999", headers={"Accept-Language": "en-US"})
    assert vi.status_code == en.status_code == 404
    assert vi.json()["detail"] == "Không tìm thấy cuộc họp 999999"
    assert en.json()["detail"] == "Meeting 999999 not found"


def test_logout_ends_the_token(app: App) -> None:
    client = app.login("del1")
    assert client.request("GET", "/api/me").status_code == 200
    assert client.request("POST", "/api/auth/logout").status_code == 200
    assert client.request("GET", "/api/me").status_code == 401


def test_cookie_authenticates_reads_but_never_writes(app: App) -> None:
    app.http.cookies.clear()
    app.http.post("/api/auth/login", json={"username": "sec", "password": PASSWORD})
    assert app.http.get("/api/me").status_code == 200
    # a write carried only by the cookie could be forged cross-site
    assert app.http.post("/api/meetings", json={"title": "CSRF"}).status_code == 401
    app.http.cookies.clear()


def test_the_kiosk_writes_with_the_cookie_and_its_session_id(app: App) -> None:
    """The kiosk holds no token: the HttpOnly cookie plus the session's id (no credential) in a header. A header
    naming another session than the cookie's is refused, reads included."""
    app.http.cookies.clear()
    other = app.http.post("/api/auth/login", json={"username": "del1", "password": PASSWORD}).json()["session"]
    app.http.cookies.clear()
    login = app.http.post("/api/auth/login", json={"username": "sec", "password": PASSWORD}).json()
    assert login["session"] and login["session"] not in login["token"]
    mine = {"X-ICabinet-Session": login["session"]}
    assert app.http.post("/api/meetings", json={"title": "Qua cookie"}, headers=mine).status_code == 201
    assert app.http.get("/api/me", headers={"X-ICabinet-Session": other}).status_code == 401
    assert app.http.post("/api/meetings", json={"title": "X"}, headers={"X-ICabinet-Session": other}).status_code == 401
    assert app.http.post("/api/auth/logout", headers=mine).status_code == 200
    app.http.cookies.set("icabinet_token", login["token"])  # the logout's answer cleared it; the old one is dead
    assert app.http.get("/api/me", headers=mine).status_code == 401
    app.http.cookies.clear()


def test_changing_a_password_ends_that_users_sessions(app: App) -> None:
    root = app.users["root"]
    username = unique("pw")
    user = root.ok("POST", "/api/users", json={"username": username, "password": PASSWORD})
    client = app.login(username)
    root.ok("PATCH", f"/api/users/{user['id']}", json={"password": "a-new-password-1"})
    assert client.request("GET", "/api/me").status_code == 401
    assert app.login(username, "a-new-password-1").request("GET", "/api/me").status_code == 200


def test_a_rename_reaches_running_and_closed_meetings(app: App) -> None:
    root, sec = app.users["root"], app.users["sec"]
    username = unique("ten")
    user = root.ok("POST", "/api/users", json={"username": username, "password": PASSWORD, "full_name": "Trần Văn A"})
    running, _ = app.new_meeting(live=True)
    closed, _ = app.new_meeting(live=True)
    for meeting_id in (running, closed):
        sec.ok("POST", f"/api/meetings/{meeting_id}/participants", json={"username": username, "role": "delegate"})
    sec.ok("POST", f"/api/meetings/{closed}/close")

    def seqs() -> tuple[int, int]:
        return app.snapshot(running)["seq"], app.snapshot(closed)["seq"]

    def names(meeting_id: int) -> dict[str, str]:
        return {p["username"]: p["full_name"] for p in app.snapshot(meeting_id)["state"]["participants"]}

    before = seqs()
    root.ok("PATCH", f"/api/users/{user['id']}", json={"full_name": "Trần Văn A"})  # the same name: no news
    assert seqs() == before
    root.ok("PATCH", f"/api/users/{user['id']}", json={"full_name": "Trần Văn Á"})
    # one participant.changed in each: a closed meeting's snapshot shows the new name too, so its seq moves on
    assert seqs() == (before[0] + 1, before[1] + 1)
    assert names(running)[username] == names(closed)[username] == "Trần Văn Á"


def test_secretary_creates_members_only(app: App) -> None:
    sec = app.users["sec"]
    response = sec.request("POST", "/api/users", json={"username": unique("x"), "password": PASSWORD, "role": "admin"})
    assert response.status_code == 403
    names = {user["username"] for user in sec.ok("GET", "/api/users")}
    assert not any(name.startswith("x") for name in names)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"password": PASSWORD}, 400),  # missing username
        ({"username": "a b", "password": PASSWORD}, 400),  # not a username
        ({"username": "shortpw", "password": "123"}, 400),
        ({"username": "badrole", "password": PASSWORD, "role": "king"}, 400),
        ({"username": "del1", "password": PASSWORD}, 409),  # taken
    ],
)
def test_bad_user_input(app: App, payload: dict, status: int) -> None:
    before = app.users["root"].ok("GET", "/api/users")
    response = app.users["root"].request("POST", "/api/users", json=payload)
    assert response.status_code == status and response.json()["detail"]
    assert app.users["root"].ok("GET", "/api/users") == before


def test_creator_runs_the_meeting_and_lists_show_roles(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    mine = {m["id"]: m["my_role"] for m in app.users["sec"].ok("GET", "/api/meetings")}
    assert mine[meeting_id] == "secretary"
    assert {m["id"]: m["my_role"] for m in app.users["del1"].ok("GET", "/api/meetings")}[meeting_id] == "delegate"
    assert meeting_id not in {m["id"] for m in app.users["outsider"].ok("GET", "/api/meetings")}


@pytest.mark.parametrize(
    ("method", "suffix", "payload", "status"),
    [
        ("POST", "/agenda", {}, 400),  # no title
        ("POST", "/agenda", {"title": ""}, 400),
        ("POST", "/agenda", {"title": "x", "duration_minutes": "long"}, 400),  # wrong type
        ("POST", "/agenda", {"title": "x", "duration_minutes": -5}, 400),
        ("POST", "/agenda", {"title": "x", "parent_id": 999999}, 404),
        ("PATCH", "/agenda/999999", {"title": "x"}, 404),
        ("PATCH", "/agenda/{item}", {"title": None}, 400),
        ("PATCH", "/agenda/{item}", {"title": "x", "version": 99}, 409),  # stale
        ("PATCH", "/agenda/{item}", {"status": "current"}, 400),
        ("POST", "/agenda/999999/current", None, 404),
        ("POST", "/agenda/{item}/current", None, 409),  # not started
        ("POST", "/agenda/reorder", {"item_ids": [999999]}, 404),
        ("POST", "/agenda/reorder", {"item_ids": ["{item}", "{item}"]}, 400),
        ("POST", "/agenda/reorder", {"item_ids": ["{item}"]}, 400),  # incomplete order
        ("POST", "/agenda/reorder", {"item_ids": []}, 400),
        ("PATCH", "", {"title": "x", "version": 99}, 409),
        ("PATCH", "", {"starts_at": "tomorrow"}, 400),
        ("POST", "/participants", {"username": "nobody-at-all"}, 404),
        ("POST", "/participants", {"username": "del1"}, 409),  # already in
        ("POST", "/participants", {"username": "outsider", "role": "king"}, 400),
        ("POST", "/participants", {"role": "delegate"}, 400),
        ("PATCH", "/participants/999999", {"attendance": "present"}, 404),
        ("POST", "/close", None, 409),  # not started
        ("POST", "/agenda", [1, 2], 400),  # not an object
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    app: App, method: str, suffix: str, payload: object, status: int
) -> None:
    meeting_id, items = app.new_meeting()
    suffix = suffix.replace("{item}", str(items[0]))
    if isinstance(payload, dict):
        payload = {
            key: [items[0] if v == "{item}" else v for v in value] if isinstance(value, list) else value
            for key, value in payload.items()
        }
    before = app.snapshot(meeting_id)
    kwargs = {} if payload is None else {"json": payload}
    response = app.users["sec"].request(method, f"/api/meetings/{meeting_id}{suffix}", **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status and isinstance(body["detail"], str) and body["detail"]
    assert app.snapshot(meeting_id) == before


def test_malformed_json_is_a_400(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    response = app.users["sec"].request(
        "POST", f"/api/meetings/{meeting_id}/agenda", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["detail"]


def test_running_a_meeting_moves_item_statuses(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec = app.users["sec"]
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[0]}/current")
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[1]}/current")
    statuses = {item["id"]: item["status"] for item in agenda(app, meeting_id)}
    assert statuses == {items[0]: "done", items[1]: "current"}
    closed = sec.ok("POST", f"/api/meetings/{meeting_id}/close")
    assert closed["status"] == "closed" and closed["current_item_id"] is None and closed["closed_at"]
    assert {item["status"] for item in agenda(app, meeting_id)} == {"done"}
    # the record is closed: no more agenda changes, no deletion
    assert sec.request("POST", f"/api/meetings/{meeting_id}/agenda", json={"title": "late"}).status_code == 409
    assert sec.request("DELETE", f"/api/meetings/{meeting_id}").status_code == 409


def test_sub_items_nest_one_level_and_go_with_their_parent(app: App) -> None:
    meeting_id, items = app.new_meeting()
    sec = app.users["sec"]
    child = sec.ok("POST", f"/api/meetings/{meeting_id}/agenda", json={"title": "1.1", "parent_id": items[0]})
    grandchild = sec.request(
        "POST", f"/api/meetings/{meeting_id}/agenda", json={"title": "x", "parent_id": child["id"]}
    )
    assert grandchild.status_code == 400
    order = [(item["id"], item["parent_id"]) for item in agenda(app, meeting_id)]
    assert order == [(items[0], None), (child["id"], items[0]), (items[1], None)]
    # an item with sub-items cannot itself become a sub-item
    refused = sec.request(
        "POST", f"/api/meetings/{meeting_id}/agenda/reorder", json={"parent_id": items[1], "item_ids": [items[0]]}
    )
    assert refused.status_code == 400
    sec.ok("DELETE", f"/api/meetings/{meeting_id}/agenda/{items[0]}")
    assert [item["id"] for item in agenda(app, meeting_id)] == [items[1]]


def test_reorder_moves_items_between_levels(app: App) -> None:
    meeting_id, items = app.new_meeting()
    sec = app.users["sec"]
    third = sec.ok("POST", f"/api/meetings/{meeting_id}/agenda", json={"title": "Ba"})["id"]
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/reorder", json={"parent_id": items[0], "item_ids": [third]})
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/reorder", json={"item_ids": [items[1], items[0]]})
    order = [(item["id"], item["parent_id"]) for item in agenda(app, meeting_id)]
    assert order == [(items[1], None), (items[0], None), (third, items[0])]


def test_removing_the_current_item_clears_current(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    sec = app.users["sec"]
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[0]}/current")
    sec.ok("DELETE", f"/api/meetings/{meeting_id}/agenda/{items[0]}")
    assert sec.ok("GET", f"/api/meetings/{meeting_id}")["current_item_id"] is None


def test_check_in_and_attendance(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    me = app.users["del1"].ok("POST", f"/api/meetings/{meeting_id}/checkin")
    assert me["attendance"] == "present" and me["checked_in_at"]
    people = {p["username"]: p for p in app.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/participants")}
    assert people["del1"]["attendance"] == "present"
    excused = app.users["sec"].ok(
        "PATCH", f"/api/meetings/{meeting_id}/participants/{people['guest']['id']}", json={"attendance": "excused"}
    )
    assert excused["attendance"] == "excused" and excused["checked_in_at"] is None


def test_only_draft_meetings_can_be_deleted(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    assert app.users["sec"].request("DELETE", f"/api/meetings/{meeting_id}").status_code == 204
    assert app.users["sec"].request("GET", f"/api/meetings/{meeting_id}").status_code == 404


def test_every_change_is_audited_and_logged_with_a_seq(app: App) -> None:
    meeting_id, items = app.new_meeting(live=True)
    before = app.snapshot(meeting_id)["seq"]
    app.users["chair"].ok("POST", f"/api/meetings/{meeting_id}/agenda/{items[1]}/current")
    after = app.snapshot(meeting_id)
    assert after["seq"] == before + 1 and after["state"]["current_item_id"] == items[1]


def test_openapi_schema_is_served(app: App) -> None:
    schema = app.anonymous().request("GET", "/schema/openapi.json").json()
    assert schema["info"]["title"] == "i-Cabinet"
    assert "/api/meetings/{meeting_id}/agenda/{item_id}/current" in schema["paths"]


def test_expired_token_is_refused(tmp_path) -> None:
    import time

    from tests.server.conftest import build_app

    # setting up the world takes a while on a loaded machine: its own tokens must outlive it
    with build_app(tmp_path, token_ttl_seconds=5) as world:
        client = world.login("sec")
        time.sleep(5.5)
        response = client.request("GET", "/api/me")
        assert response.status_code == 401 and response.json()["detail"]
