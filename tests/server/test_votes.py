"""Attendance, quorum and polls through the real app: who may vote, once, secretly, and what is recorded."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from server.votes.closing import decide
from server.votes.models import PollKind, PollOption
from tests.server.conftest import App, build_app
from tests.support.services import fresh_database, pg_problem, pg_rows, require


def base(meeting_id: int) -> str:
    return f"/api/meetings/{meeting_id}"


def participant_id(app: App, meeting_id: int, username: str) -> int:
    people = app.users["root"].ok("GET", f"{base(meeting_id)}/participants")
    return next(p["id"] for p in people if p["username"] == username)


def _run(app: App, sql: str, args: tuple[Any, ...], *, write: bool = False) -> list[tuple[Any, ...]]:
    """``sql`` (with ``?`` placeholders) on the app's own database, SQLite or PostgreSQL, bypassing the API."""
    head, *rest = sql.split("?")
    statement = text(head + "".join(f":p{index}{part}" for index, part in enumerate(rest)))
    params = {f"p{index}": value for index, value in enumerate(args)}
    db = app.http.app.state.db

    async def run() -> list[tuple[Any, ...]]:
        async with db.write() if write else db.read() as session:
            result = await (await session.connection()).execute(statement, params)
            rows = [tuple(_as_text(value) for value in row) for row in result.all()] if result.returns_rows else []
            if write:
                await session.commit()
            return rows

    return app.http.blocking_portal.call(run)


def _as_text(value: Any) -> Any:
    """JSON as the text it is stored as: PostgreSQL's driver hands it over decoded, SQLite's as text."""
    return json.dumps(value) if isinstance(value, dict | list) else value


def query(app: App, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return _run(app, sql, args)


def on_sqlite(app: App) -> bool:
    return not app.http.app.state.db.is_postgres


def check_in(app: App, meeting_id: int, *usernames: str) -> None:
    for username in usernames:
        app.users[username].ok("POST", f"{base(meeting_id)}/checkin")


def open_poll(app: App, meeting_id: int, **body: Any) -> dict[str, Any]:
    sec = app.users["sec"]
    poll = sec.ok("POST", f"{base(meeting_id)}/polls", json={"title": "Thông qua báo cáo", **body})
    return sec.ok("POST", f"/api/polls/{poll['id']}/open")


def option(poll: dict[str, Any], key_or_label: str) -> int:
    return next(o["id"] for o in poll["options"] if key_or_label in (o["key"], o["label"]))


def poll_in_snapshot(app: App, meeting_id: int, poll_id: int, username: str = "root") -> dict[str, Any]:
    state = app.users[username].ok("GET", f"{base(meeting_id)}/snapshot")["state"]
    return next(p for p in state["polls"] if p["id"] == poll_id)


def events(app: App, meeting_id: int, prefix: str) -> list[tuple[Any, ...]]:
    return query(
        app,
        "SELECT name, data, actor_id, audience FROM meeting_event WHERE meeting_id = ? AND name LIKE ? ORDER BY seq",
        meeting_id,
        f"{prefix}%",
    )


def wait_for_tally(app: App, meeting_id: int, voters: int) -> dict[str, Any]:
    for _ in range(200):
        voted = [json.loads(row[1]) for row in events(app, meeting_id, "poll.voted")]
        if voted and voted[-1]["voters"] == voters:
            return voted[-1]
        time.sleep(0.05)
    raise AssertionError("no poll.voted tally with every ballot")


# --- attendance and quorum -----------------------------------------------------------------------------------


def test_check_in_and_marks_update_counts_and_quorum(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    sec = app.users["sec"]
    summary = sec.ok("GET", f"{base(meeting_id)}/attendance")
    assert summary == {
        "total": 4,
        "present": 0,
        "absent": 0,
        "excused": 0,
        "delegated": 0,
        "unknown": 4,
        "voting_members": 3,  # chair, secretary, delegate; the guest never counts
        "voting_present": 0,
        "quorum_ratio": 0.5,
        "quorum_needed": 2,
        "quorum": False,
    }
    check_in(app, meeting_id, "del1", "guest")
    summary = app.snapshot(meeting_id)["state"]["attendance"]
    assert (summary["present"], summary["voting_present"], summary["quorum"]) == (2, 1, False)
    sec.ok(
        "PATCH",
        f"{base(meeting_id)}/participants/{participant_id(app, meeting_id, 'chair')}",
        json={"attendance": "delegated", "delegated_to_username": "outsider"},
    )
    sec.ok(
        "PATCH",
        f"{base(meeting_id)}/participants/{participant_id(app, meeting_id, 'sec')}",
        json={"attendance": "present"},
    )
    state = app.snapshot(meeting_id)["state"]
    chair = next(p for p in state["participants"] if p["username"] == "chair")
    assert chair["attendance"] == "delegated" and chair["delegated_to_name"] == "outsider"
    assert chair["delegated_to_user_id"] == app.users["outsider"].user["id"]
    assert state["attendance"]["delegated"] == 1 and state["attendance"]["voting_present"] == 2
    assert state["attendance"]["quorum"] is True
    names = [row[0] for row in events(app, meeting_id, "attendance.")]
    assert names and all(name == "attendance.changed" for name in names)
    assert json.loads(events(app, meeting_id, "attendance.")[-1][1])["attendance"] == state["attendance"]
    # marking someone present again drops the delegation
    sec.ok("PATCH", f"{base(meeting_id)}/participants/{chair['id']}", json={"attendance": "present"})
    chair = next(p for p in app.snapshot(meeting_id)["state"]["participants"] if p["username"] == "chair")
    assert chair["delegated_to_user_id"] is None and chair["delegated_to_name"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"attendance": "delegated"},
        {"attendance": "present", "delegated_to_username": "outsider"},
        {"attendance": "delegated", "delegated_to_username": "nobody-at-all"},
        {"attendance": "delegated", "delegated_to_username": "del1"},  # their own place
        {"attendance": "delegated", "delegated_to_user_id": 1, "delegated_to_username": "outsider"},
    ],
)
def test_bad_delegation_is_refused_and_changes_nothing(app: App, body: dict[str, Any]) -> None:
    meeting_id, _ = app.new_meeting()
    before = app.snapshot(meeting_id)
    response = app.users["sec"].request(
        "PATCH", f"{base(meeting_id)}/participants/{participant_id(app, meeting_id, 'del1')}", json=body
    )
    assert response.status_code in (400, 404), response.text
    assert response.json()["detail"]
    assert app.snapshot(meeting_id) == before


def test_quorum_rule_is_set_by_the_secretary(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    sec = app.users["sec"]
    check_in(app, meeting_id, "del1", "sec")
    assert app.snapshot(meeting_id)["state"]["attendance"]["quorum"] is True
    meeting = sec.ok("PATCH", base(meeting_id), json={"quorum_ratio": 2 / 3})
    assert meeting["quorum_ratio"] == pytest.approx(2 / 3)
    summary = app.snapshot(meeting_id)["state"]["attendance"]
    assert (summary["quorum_needed"], summary["quorum"]) == (3, False)  # more than two thirds of 3: all 3
    for bad in (1.0, -0.1, "half", None):
        response = sec.request("PATCH", base(meeting_id), json={"quorum_ratio": bad})
        assert response.status_code == 400, (bad, response.text)
    assert app.users["del1"].request("PATCH", base(meeting_id), json={"quorum_ratio": 0.1}).status_code == 403


def test_opening_without_quorum_is_refused_with_the_numbers(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    sec = app.users["sec"]
    check_in(app, meeting_id, "del1", "guest")  # one voting member of three; the guest does not count
    poll = sec.ok("POST", f"{base(meeting_id)}/polls", json={"title": "Thông qua"})
    response = sec.request("POST", f"/api/polls/{poll['id']}/open", headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json()["detail"] == ("No quorum: 1 of 3 voting members are present, 2 are needed to open a poll")
    vietnamese = sec.request("POST", f"/api/polls/{poll['id']}/open").json()["detail"]
    assert "túc số" in vietnamese
    assert poll_in_snapshot(app, meeting_id, poll["id"])["status"] == "draft"
    check_in(app, meeting_id, "chair")
    assert sec.ok("POST", f"/api/polls/{poll['id']}/open")["status"] == "open"


def test_a_poll_opens_only_in_a_live_meeting(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    check_in(app, meeting_id, "del1", "chair")
    poll = app.users["sec"].ok("POST", f"{base(meeting_id)}/polls", json={"title": "Sớm"})
    response = app.users["sec"].request("POST", f"/api/polls/{poll['id']}/open")
    assert response.status_code == 409 and response.json()["detail"]


# --- preparing polls ---------------------------------------------------------------------------------------


def test_draft_poll_defaults_edit_and_delete(app: App) -> None:
    meeting_id, items = app.new_meeting()
    sec = app.users["sec"]
    poll = sec.ok("POST", f"{base(meeting_id)}/polls", json={"title": " Thông qua ", "agenda_item_id": items[1]})
    assert poll["title"] == "Thông qua" and poll["status"] == "draft" and poll["kind"] == "yes_no_abstain"
    assert [(o["key"], o["label"]) for o in poll["options"]] == [
        ("yes", "Tán thành"),
        ("no", "Không tán thành"),
        ("abstain", "Không biểu quyết"),
    ]
    assert poll["majority_of"] == "all" and not poll["secret"] and not poll["allow_change"]
    edited = sec.ok(
        "PATCH",
        f"/api/polls/{poll['id']}",
        json={"kind": "custom", "options": ["Phương án A", "Phương án B"], "majority_of": "present", "version": 1},
    )
    assert [o["label"] for o in edited["options"]] == ["Phương án A", "Phương án B"] and edited["version"] == 2
    stale = sec.request("PATCH", f"/api/polls/{poll['id']}", json={"title": "Cũ", "version": 1})
    assert stale.status_code == 409
    # every participant sees drafts; a delegate may not prepare one
    assert poll_in_snapshot(app, meeting_id, poll["id"], "guest")["title"] == "Thông qua"
    assert app.users["del1"].request("POST", f"{base(meeting_id)}/polls", json={"title": "x"}).status_code == 403
    names = [row[0] for row in events(app, meeting_id, "poll.")]
    assert names == ["poll.created", "poll.updated"]
    sec.ok("DELETE", f"/api/polls/{poll['id']}")
    assert app.snapshot(meeting_id)["state"]["polls"] == []
    assert events(app, meeting_id, "poll.")[-1][0] == "poll.deleted"
    assert sec.request("GET", f"/api/polls/{poll['id']}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x", "secret": True, "allow_change": True},
        {"title": "x", "kind": "custom"},
        {"title": "x", "kind": "custom", "options": ["Một"]},
        {"title": "x", "kind": "custom", "options": ["A", "a"]},
        {"title": "x", "kind": "custom", "options": ["A", " "]},
        {"title": "x", "options": ["A", "B"]},
        {"title": "x", "kind": "custom", "options": [str(n) for n in range(21)]},
        {"title": "x", "majority_of": "most"},
        {"title": "x", "agenda_item_id": 999999},
        {"title": "x", "document_id": 999999},
    ],
)
def test_bad_poll_is_refused_and_changes_nothing(app: App, body: dict[str, Any]) -> None:
    meeting_id, _ = app.new_meeting()
    before = app.snapshot(meeting_id)
    response = app.users["sec"].request("POST", f"{base(meeting_id)}/polls", json=body)
    assert response.status_code in (400, 404), response.text
    assert response.json()["detail"]
    assert app.snapshot(meeting_id) == before


def test_a_secret_poll_cannot_be_edited_into_allowing_changes(app: App) -> None:
    meeting_id, _ = app.new_meeting()
    sec = app.users["sec"]
    poll = sec.ok("POST", f"{base(meeting_id)}/polls", json={"title": "Kín", "secret": True})
    response = sec.request("PATCH", f"/api/polls/{poll['id']}", json={"allow_change": True})
    assert response.status_code == 400 and "secret" in response.json()["detail"]


# --- voting ----------------------------------------------------------------------------------------------


def test_open_poll_who_may_vote_once_and_the_result(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    sec = app.users["sec"]
    check_in(app, meeting_id, "sec", "chair", "guest")
    poll = open_poll(app, meeting_id)
    yes, no = option(poll, "yes"), option(poll, "no")
    url = f"/api/polls/{poll['id']}/ballot"
    # opened polls are the record: no edit, no delete
    assert sec.request("PATCH", f"/api/polls/{poll['id']}", json={"title": "Khác"}).status_code == 409
    assert sec.request("DELETE", f"/api/polls/{poll['id']}").status_code == 409
    # guests never vote, the absent do not, outsiders cannot even see it
    assert app.users["guest"].request("POST", url, json={"option_id": yes}).status_code == 403
    assert app.users["del1"].request("POST", url, json={"option_id": yes}).status_code == 409
    assert app.users["outsider"].request("POST", url, json={"option_id": yes}).status_code == 404
    assert app.users["root"].request("POST", url, json={"option_id": yes}).status_code == 403
    assert app.users["chair"].request("POST", url, json={"option_id": 999999}).status_code == 400
    receipt = app.users["chair"].ok("POST", url, json={"option_id": yes})
    assert receipt == {"poll_id": poll["id"], "voted": True, "option_id": yes, "changed": False}
    twice = app.users["chair"].request("POST", url, json={"option_id": no})
    assert twice.status_code == 409 and twice.json()["detail"]
    check_in(app, meeting_id, "del1")
    app.users["del1"].ok("POST", url, json={"option_id": yes})
    app.users["sec"].ok("POST", url, json={"option_id": no})
    mine = poll_in_snapshot(app, meeting_id, poll["id"], "del1")
    assert mine["my_option_id"] == yes and mine["voted"] is True and mine["voters"] == 3
    assert {o["key"]: o["votes"] for o in mine["options"]} == {"yes": 2, "no": 1, "abstain": 0}
    ids = {name: app.users[name].user["id"] for name in ("sec", "chair", "del1")}
    assert mine["ballots"] == sorted(
        [
            {"user_id": ids["chair"], "option_id": yes},
            {"user_id": ids["del1"], "option_id": yes},
            {"user_id": ids["sec"], "option_id": no},
        ],
        key=lambda b: b["user_id"],
    )
    guest_view = poll_in_snapshot(app, meeting_id, poll["id"], "guest")
    assert guest_view["my_option_id"] is None and guest_view["voted"] is False
    tally = wait_for_tally(app, meeting_id, 3)
    assert tally["counts"] == {str(yes): 2, str(no): 1, str(option(poll, "abstain")): 0}
    closed = sec.ok("POST", f"/api/polls/{poll['id']}/close")
    assert closed["status"] == "closed"
    assert closed["result"] == {"passed": True, "base": 3, "needed": 2, "winner_option_id": yes}
    after = app.users["del1"].request("POST", url, json={"option_id": no})
    assert after.status_code == 409 and after.json()["detail"]
    assert sec.request("POST", f"/api/polls/{poll['id']}/close").status_code == 409
    names = [row[0] for row in events(app, meeting_id, "poll.")]
    assert names[0] == "poll.created" and names[1] == "poll.opened" and names[-1] == "poll.closed"
    closed_event = json.loads(events(app, meeting_id, "poll.closed")[-1][1])["poll"]
    assert closed_event["result"]["passed"] is True and len(closed_event["ballots"]) == 3
    assert "my_option_id" not in closed_event
    audit = app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    actions = [entry["action"] for entry in audit]
    assert actions.count("poll.vote") == 3 and {"poll.create", "poll.open", "poll.close"} <= set(actions)


def test_allow_change_lets_a_voter_change_until_close(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    check_in(app, meeting_id, "sec", "del1")
    poll = open_poll(app, meeting_id, allow_change=True, majority_of="present")
    url = f"/api/polls/{poll['id']}/ballot"
    del1 = app.users["del1"]
    del1.ok("POST", url, json={"option_id": option(poll, "no")})
    receipt = del1.ok("POST", url, json={"option_id": option(poll, "yes")})
    assert receipt["changed"] is True
    app.users["sec"].ok("POST", url, json={"option_id": option(poll, "yes")})
    snapshot = poll_in_snapshot(app, meeting_id, poll["id"], "del1")
    assert snapshot["my_option_id"] == option(poll, "yes") and snapshot["voters"] == 2
    assert {o["key"]: o["votes"] for o in snapshot["options"]} == {"yes": 2, "no": 0, "abstain": 0}
    closed = app.users["sec"].ok("POST", f"/api/polls/{poll['id']}/close")
    assert closed["result"] == {"passed": True, "base": 2, "needed": 2, "winner_option_id": option(poll, "yes")}
    assert del1.request("POST", url, json={"option_id": option(poll, "no")}).status_code == 409


def test_majority_of_all_members_fails_where_present_would_pass(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    root = app.users["root"]
    for username in ("sec2", "outsider"):  # five voting members, three present
        app.users["sec"].ok("POST", f"{base(meeting_id)}/participants", json={"username": username})
    check_in(app, meeting_id, "sec", "chair", "del1")
    polls = [open_poll(app, meeting_id, majority_of=rule) for rule in ("all", "present")]
    for poll in polls:
        app.users["chair"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option(poll, "yes")})
        app.users["del1"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option(poll, "yes")})
        app.users["sec"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option(poll, "abstain")})
    results = [app.users["sec"].ok("POST", f"/api/polls/{p['id']}/close")["result"] for p in polls]
    assert results[0] == {"passed": False, "base": 5, "needed": 3, "winner_option_id": None}
    assert results[1] == {"passed": True, "base": 3, "needed": 2, "winner_option_id": option(polls[1], "yes")}
    assert root.ok("GET", f"/api/polls/{polls[0]['id']}")["result"]["passed"] is False


def test_decide_custom_and_standard() -> None:
    options = [PollOption(id=1, poll_id=1, label="A"), PollOption(id=2, poll_id=1, label="B")]
    assert decide(PollKind.custom, options, {1: 3, 2: 2}, 5) == (True, 1)
    assert decide(PollKind.custom, options, {1: 2, 2: 2}, 5) == (False, None)
    assert decide(PollKind.custom, options, {}, 0) == (False, None)
    standard = [
        PollOption(id=7, poll_id=2, key="yes", label="Tán thành"),
        PollOption(id=8, poll_id=2, key="no", label=""),
    ]
    assert decide(PollKind.yes_no_abstain, standard, {7: 2, 8: 0}, 4) == (False, None)  # 2 of 4 is not more than half
    assert decide(PollKind.yes_no_abstain, standard, {7: 3, 8: 1}, 4) == (True, 7)


def test_closing_the_meeting_closes_its_open_polls(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    check_in(app, meeting_id, "sec", "del1")
    poll = open_poll(app, meeting_id)
    app.users["del1"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option(poll, "yes")})
    app.users["sec"].ok("POST", f"{base(meeting_id)}/close")
    closed = poll_in_snapshot(app, meeting_id, poll["id"])
    assert closed["status"] == "closed" and closed["result"]["passed"] is False  # 1 of 3 members


def test_one_ballot_per_voter_is_a_database_constraint(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    check_in(app, meeting_id, "sec", "del1")
    poll = open_poll(app, meeting_id)
    secret = open_poll(app, meeting_id, secret=True)
    app.users["del1"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option(poll, "yes")})
    app.users["del1"].ok("POST", f"/api/polls/{secret['id']}/ballot", json={"option_id": option(secret, "yes")})
    user_id = app.users["del1"].user["id"]
    unique = "UNIQUE|unique constraint"  # SQLite's words, PostgreSQL's
    with pytest.raises(IntegrityError, match=unique):
        _run(
            app,
            "INSERT INTO poll_ballot (poll_id, user_id, option_id, serial, cast_at) VALUES (?, ?, ?, 0, ?)",
            (poll["id"], user_id, option(poll, "no"), datetime(2026, 1, 1, tzinfo=UTC)),
            write=True,
        )
    with pytest.raises(IntegrityError, match=unique):
        _run(app, "INSERT INTO poll_voter (poll_id, user_id) VALUES (?, ?)", (secret["id"], user_id), write=True)


# --- secret ballots ---------------------------------------------------------------------------------------


def test_secret_ballot_leaves_no_link_from_voter_to_choice(app: App) -> None:
    meeting_id, _ = app.new_meeting(live=True)
    check_in(app, meeting_id, "sec", "chair", "del1")
    poll = open_poll(app, meeting_id, secret=True)
    yes, no = option(poll, "yes"), option(poll, "no")
    voters = {"chair": yes, "del1": no, "sec": yes}
    for username, choice in voters.items():
        receipt = app.users[username].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": choice})
        assert receipt == {"poll_id": poll["id"], "voted": True, "option_id": None, "changed": False}
    twice = app.users["del1"].request("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": yes})
    assert twice.status_code == 409
    view = poll_in_snapshot(app, meeting_id, poll["id"], "del1")
    assert view["voted"] is True and view["my_option_id"] is None and view["ballots"] == []
    # while it is open nobody, not even the secretary, sees how the options stand: only how many voted
    for username in ("del1", "sec", "root"):
        shown = app.users[username].ok("GET", f"/api/polls/{poll['id']}")
        assert [o["votes"] for o in shown["options"]] == [None, None, None] and shown["voters"] == 3
    assert poll_in_snapshot(app, meeting_id, poll["id"], "guest")["voted"] is False
    assert wait_for_tally(app, meeting_id, 3)["counts"] == {}
    closed = app.users["sec"].ok("POST", f"/api/polls/{poll['id']}/close")
    assert {o["key"]: o["votes"] for o in closed["options"]} == {"yes": 2, "no": 1, "abstain": 0}

    # the database itself: who voted, and counts, but nothing joining the two
    assert query(app, "SELECT * FROM poll_ballot WHERE poll_id = ?", poll["id"]) == []
    if on_sqlite(app):
        voter_columns = [row[1] for row in query(app, "PRAGMA table_info(poll_voter)")]
        with pytest.raises(OperationalError):  # WITHOUT ROWID: no hidden arrival order either
            query(app, "SELECT rowid FROM poll_voter")
    else:  # PostgreSQL's hidden xmin and ctid: test_a_closed_secret_poll_leaves_no_arrival_order_on_postgresql
        voter_columns = [
            row[0]
            for row in query(
                app,
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'poll_voter' "
                "ORDER BY ordinal_position",
            )
        ]
    assert voter_columns == ["poll_id", "user_id"]
    ids = {app.users[name].user["id"] for name in voters}
    assert {row[0] for row in query(app, "SELECT user_id FROM poll_voter WHERE poll_id = ?", poll["id"])} == ids
    for name, data, actor_id, audience in events(app, meeting_id, "poll."):
        if name == "poll.voted":
            assert actor_id is None and audience in (None, "null")
            body = json.loads(data)
            assert set(body) == {"poll_id", "counts", "voters", "ballots"}
            assert body["ballots"] == [] and body["counts"] == {}  # how many voted, never how they stand
        body_text = data
        for user_id in ids:
            assert f'"user_id": {user_id}' not in body_text and f'"user_id":{user_id}' not in body_text
    for action, actor_id, detail in query(
        app, "SELECT action, actor_id, detail FROM audit_log WHERE target_type = 'poll' AND target_id = ?", poll["id"]
    ):
        assert action in ("poll.create", "poll.open", "poll.close"), action  # no row per secret ballot
        assert actor_id == app.users["sec"].user["id"]
        assert "option_id" not in json.loads(detail) and "option" not in json.loads(detail)
    # and no route lists who voted
    for username in ("sec", "chair", "root"):
        shown = app.users[username].ok("GET", f"/api/polls/{poll['id']}")
        assert shown["ballots"] == [] and shown["voters"] == 3


def test_a_closed_secret_poll_leaves_no_arrival_order_on_postgresql(tmp_path: Path) -> None:
    """PostgreSQL keeps the writing transaction (xmin) and place (ctid) of every row: once the poll closes,
    its voter rows must no longer say who voted first, which the event log's moving counts would turn into
    who chose what."""
    require(pg_problem())
    with fresh_database() as url, build_app(tmp_path, database_url=url) as app:
        meeting_id, _ = app.new_meeting(live=True)
        check_in(app, meeting_id, "sec", "chair", "del1")
        poll = open_poll(app, meeting_id, secret=True)
        order = ("del1", "sec", "chair")  # not the order of their user ids
        for username in order:
            app.users[username].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option(poll, "yes")})

        def voter_rows() -> list[tuple[int, str]]:
            sql = "SELECT user_id, xmin::text FROM poll_voter WHERE poll_id = $1 ORDER BY ctid"
            return [(row[0], row[1]) for row in pg_rows(url, sql, poll["id"])]

        ids = [app.users[username].user["id"] for username in order]
        # while the poll is open each ballot's row is its own transaction's, in arrival order
        assert [user_id for user_id, _ in voter_rows()] == ids
        assert len({xmin for _, xmin in voter_rows()}) == 3
        app.users["sec"].ok("POST", f"/api/polls/{poll['id']}/close")
        rows = voter_rows()
        assert [user_id for user_id, _ in rows] == sorted(ids)
        assert len({xmin for _, xmin in rows}) == 1
        shown = app.users["sec"].ok("GET", f"/api/polls/{poll['id']}")
        assert shown["voters"] == 3 and {o["key"]: o["votes"] for o in shown["options"]}["yes"] == 3


# --- ballots decided together --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "batch_fails"),
    [(False, False), (True, False), (False, True)],
    ids=["named", "secret", "named-batch-fails-then-one-by-one"],
)
def test_a_batch_gives_every_ballot_its_own_answer(app: App, secret: bool, batch_fails: bool) -> None:
    """Ballots waiting together are decided in one transaction, yet each gets the answer it would get alone:
    the valid ones count, a voter's second ballot is 409, a guest 403, an absent member 409, a foreign option
    400, an outsider 404; and only the valid ones leave rows. If the batch fails as a whole, the same answers
    come from deciding them one by one."""
    import asyncio
    from datetime import timedelta

    from sqlmodel import col, select

    from server.auth.models import User
    from server.auth.service import Principal
    from server.db import utcnow
    from server.errors import AppError

    meeting_id, _ = app.new_meeting(live=True)
    check_in(app, meeting_id, "sec", "chair", "guest")  # del1 stays absent
    poll = open_poll(app, meeting_id, secret=secret)
    yes, no = option(poll, "yes"), option(poll, "no")
    state = app.http.app.state
    writer = state.ballots
    sizes: list[int] = []
    transaction = writer.transaction

    async def watched(ballots: list[Any]) -> list[Any]:
        sizes.append(len(ballots))
        if batch_fails and len(ballots) > 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return await transaction(ballots)

    names = ["chair", "sec", "chair", "guest", "del1", "outsider", "root", "sec"]
    choices = [yes, no, no, yes, yes, yes, yes, 999_999]

    async def cast_together() -> list[Any]:
        async with state.db.read() as session:
            users = {u.username: u for u in (await session.exec(select(User).where(col(User.username).in_(names))))}
        expires = utcnow() + timedelta(hours=1)
        principals = [Principal(user=users[name], token_expires_at=expires) for name in names]
        # submitted in one go: the writer wakes only after all of them are waiting, so they form one batch
        return await asyncio.gather(
            *(
                writer.submit(principal, poll["id"], choice)
                for principal, choice in zip(principals, choices, strict=True)
            ),
            return_exceptions=True,
        )

    writer.transaction = watched
    try:
        answers = app.http.blocking_portal.call(cast_together)
    finally:
        del writer.transaction
    assert sizes[0] == len(names)
    if batch_fails:
        assert sizes[1:] == [1] * len(names)
    outcome = [
        a.status_code if isinstance(a, AppError) else (a.option_id, a.changed) if not isinstance(a, Exception) else a
        for a in answers
    ]
    receipt = (lambda choice: (None, False)) if secret else (lambda choice: (choice, False))
    assert outcome == [receipt(yes), receipt(no), 409, 403, 409, 404, 403, 400]
    assert "already voted" in str(answers[2]) and "check in" in str(answers[4]) and "guests" in str(answers[3])
    ids = {name: app.users[name].user["id"] for name in ("chair", "sec")}
    if secret:
        voters = query(app, "SELECT user_id FROM poll_voter WHERE poll_id = ?", poll["id"])
        assert sorted(row[0] for row in voters) == sorted(ids.values())
        assert query(app, "SELECT * FROM poll_ballot WHERE poll_id = ?", poll["id"]) == []
        counts = dict(query(app, "SELECT id, votes FROM poll_option WHERE poll_id = ?", poll["id"]))
        assert counts == {yes: 1, no: 1, option(poll, "abstain"): 0}
    else:
        rows = query(app, "SELECT user_id, option_id FROM poll_ballot WHERE poll_id = ?", poll["id"])
        assert sorted(rows) == sorted([(ids["chair"], yes), (ids["sec"], no)])
    votes = query(app, "SELECT actor_id FROM audit_log WHERE action = 'poll.vote' AND target_id = ?", poll["id"])
    assert sorted(row[0] for row in votes) == ([] if secret else sorted(ids.values()))
    # the same voter again, later and alone: still refused, by the constraint this time
    again = app.users["chair"].request("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": no})
    assert again.status_code == 409
    assert wait_for_tally(app, meeting_id, 2)["voters"] == 2


def test_allow_change_in_one_batch_keeps_the_last_choice(app: App) -> None:
    import asyncio
    from datetime import timedelta

    from sqlmodel import select

    from server.auth.models import User
    from server.auth.service import Principal
    from server.db import utcnow

    meeting_id, _ = app.new_meeting(live=True)
    check_in(app, meeting_id, "sec", "del1")
    poll = open_poll(app, meeting_id, allow_change=True)
    yes, no, abstain = option(poll, "yes"), option(poll, "no"), option(poll, "abstain")
    app.users["sec"].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": abstain})
    state = app.http.app.state

    async def cast_together() -> list[Any]:
        async with state.db.read() as session:
            users = {u.username: u for u in (await session.exec(select(User)))}
        expires = utcnow() + timedelta(hours=1)
        ballots = [("del1", yes), ("sec", yes), ("del1", no)]
        return await asyncio.gather(
            *(
                state.ballots.submit(Principal(user=users[name], token_expires_at=expires), poll["id"], choice)
                for name, choice in ballots
            )
        )

    answers = app.http.blocking_portal.call(cast_together)
    assert [(a.option_id, a.changed) for a in answers] == [(yes, False), (yes, True), (no, True)]
    rows = query(app, "SELECT user_id, option_id FROM poll_ballot WHERE poll_id = ?", poll["id"])
    ids = {name: app.users[name].user["id"] for name in ("sec", "del1")}
    assert sorted(rows) == sorted([(ids["del1"], no), (ids["sec"], yes)])
    changed = query(
        app, "SELECT detail FROM audit_log WHERE action = 'poll.vote' AND target_id = ? ORDER BY id", poll["id"]
    )
    assert [json.loads(row[0])["changed"] for row in changed] == [False, False, True, True]
