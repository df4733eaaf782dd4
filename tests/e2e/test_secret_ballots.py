"""Secret ballots against a real server process, judged by every byte it wrote: after a secret poll closes,
nothing under the data directory or in the server's log links a voter to a choice; ballots accepted before
a SIGKILL count exactly once; and everything the server writes is its user's only, whatever its umask."""

from __future__ import annotations

import json
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, MeetingWorld, make_world
from tests.support.api import Api
from tests.support.forensics import voter_choice_links, wal_states
from tests.support.pdfs import text_pdf
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

# 0.6 s apart: more than poll_tally_seconds (0.25), so every ballot is its own commit, its own log frames and
# its own poll.voted, the finest record the server can keep of arrival order; longer gaps add only larger
# timestamps, so five ballots a few seconds apart in all test what "seconds apart" would
BALLOT_GAP_SECONDS = 0.6
VOTERS = ("del2", "chair", "del3", "sec", "del1")  # not the order of their user ids
CHOICES = ("yes", "no", "yes", "abstain", "no")


def start_server(tmp_path: Path, umask: int = -1) -> ServerProcess:
    process = ServerProcess(tmp_path / "data", umask=umask, log_level="info", dense_search="false")
    process.log_path = tmp_path / "server.log"  # the server's own output, kept outside what it wrote itself
    return process.start(timeout=120)  # a loaded machine: imports alone can take half a minute


@pytest.fixture
def voting_world(tmp_path: Path) -> Iterator[MeetingWorld]:
    """A live meeting whose five voting members are checked in; the server logs at info (access log on)."""
    server = start_server(tmp_path)
    try:
        world = make_world(server, server.data_dir)
        base = f"/api/meetings/{world.meeting_id}"
        world["root"].ok("POST", "/api/users", json={"username": "del3", "password": PASSWORD, "full_name": "del3"})
        world["sec"].ok("POST", f"{base}/participants", json={"username": "del3"})
        world.users["del3"] = Api.login(server.url, "del3", PASSWORD)
        world["sec"].ok("POST", f"{base}/start")
        for name in VOTERS:
            world[name].ok("POST", f"{base}/checkin")
        yield world
        world.close()
    finally:
        server.stop()
        if "world" in locals():
            world.server.stop()  # the process a test restarted


def open_secret_poll(world: MeetingWorld) -> dict[str, Any]:
    poll = world["sec"].ok("POST", f"/api/meetings/{world.meeting_id}/polls", json={"title": "Kín", "secret": True})
    world["sec"].ok("POST", f"/api/polls/{poll['id']}/open")
    return poll


def option_ids(poll: dict[str, Any]) -> dict[str, int]:
    return {option["key"]: option["id"] for option in poll["options"]}


def cast(world: MeetingWorld, poll: dict[str, Any], voters: tuple[str, ...], choices: tuple[str, ...]) -> None:
    ids = option_ids(poll)
    for number, (name, choice) in enumerate(zip(voters, choices, strict=True)):
        if number:
            time.sleep(BALLOT_GAP_SECONDS)
        world[name].ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": ids[choice]})


def every_file(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def poll_events(db_path: Path, poll_id: int) -> list[tuple[str, dict[str, Any]]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT name, data FROM meeting_event WHERE name LIKE 'poll.%' ORDER BY seq").fetchall()
    events = [(name, json.loads(data)) for name, data in rows]
    return [(name, data) for name, data in events if data.get("poll_id", data.get("poll", {}).get("id")) == poll_id]


def assert_nothing_links(world: MeetingWorld, poll: dict[str, Any], voters: tuple[str, ...]) -> None:
    """Read every file the server wrote, the way someone holding them after the close would."""
    data_dir, db_path = world.server.data_dir, world.server.data_dir / "icabinet.db"
    files = every_file(data_dir)
    assert db_path in files
    # a time-travel read: the database as it stood at each commit its write-ahead log still holds
    links = voter_choice_links(db_path, poll["id"])
    assert links == {}, f"the write-ahead log still says who chose what: {links}"
    assert list(wal_states(db_path)) == []
    for path in files:
        if path.name.endswith("-wal"):  # an empty log: nothing to travel back through, by any reader
            assert path.stat().st_size == 0, f"{path.name} still holds {path.stat().st_size} bytes of old pages"
        assert not path.name.endswith("-journal") or path.stat().st_size == 0, path.name

    # the database: who voted and the totals, nothing joining them
    ids = {world[name].user["id"] for name in voters}
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        assert {
            row[0] for row in conn.execute("SELECT user_id FROM poll_voter WHERE poll_id = ?", (poll["id"],))
        } == ids
        assert conn.execute("SELECT count(*) FROM poll_ballot WHERE poll_id = ?", (poll["id"],)).fetchone() == (0,)
        secret_audit = conn.execute(
            "SELECT count(*) FROM audit_log WHERE target_type = 'poll' AND action = 'poll.vote' AND target_id = ?",
            (poll["id"],),
        ).fetchone()
        assert secret_audit == (0,)

    # the event log: only how many had voted, each tally with its seq, until the close gives the counts
    events = poll_events(db_path, poll["id"])
    voted = [data for name, data in events if name == "poll.voted"]
    assert voted, "the tally wrote no poll.voted"
    for data in voted:
        assert data["counts"] == {} and data["ballots"] == [], data
    assert events[-1][0] == "poll.closed"
    assert all(
        option["votes"] is None for name, data in events if name == "poll.opened" for option in data["poll"]["options"]
    )

    # the server's log (at info, where uvicorn's access log is on): no line for a ballot
    log = world.server.log_path.read_bytes()
    assert b'"POST /api/meetings/' in log, "the access log is on (the test would prove nothing otherwise)"
    assert b"/ballot" not in log


def test_five_secret_ballots_seconds_apart_leave_no_link_after_the_close(voting_world: MeetingWorld) -> None:
    world = voting_world
    poll = open_secret_poll(world)
    cast(world, poll, VOTERS, CHOICES)

    # while it is open, every screen learns how many voted, never how the options stand
    for name in ("del1", "sec", "root"):
        shown = world[name].ok("GET", f"/api/polls/{poll['id']}")
        assert shown["voters"] == len(VOTERS) and {o["votes"] for o in shown["options"]} == {None}
    closed = world["sec"].ok("POST", f"/api/polls/{poll['id']}/close")
    ids = option_ids(poll)
    assert {o["id"]: o["votes"] for o in closed["options"]} == {ids[key]: CHOICES.count(key) for key in ids}
    assert closed["voters"] == len(VOTERS)

    assert_nothing_links(world, poll, VOTERS)


def test_ballots_accepted_before_a_sigkill_count_exactly_once(voting_world: MeetingWorld) -> None:
    world = voting_world
    poll = open_secret_poll(world)
    first, later = VOTERS[:3], VOTERS[3:]
    cast(world, poll, first, CHOICES[:3])
    world.server.kill()
    restarted = ServerProcess(world.server.data_dir, port=world.server.port, **world.server.settings)
    restarted.log_path = world.server.log_path
    world.server = restarted.start(timeout=120)
    ids = option_ids(poll)
    for name in first:  # their ballots survived: a second one is refused
        again = world[name].request("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": ids["no"]})
        assert again.status_code == 409, again.text
    cast(world, poll, later, CHOICES[3:])
    closed = world["sec"].ok("POST", f"/api/polls/{poll['id']}/close")
    assert closed["voters"] == len(VOTERS)
    assert {o["id"]: o["votes"] for o in closed["options"]} == {ids[key]: CHOICES.count(key) for key in ids}
    assert_nothing_links(world, poll, VOTERS)


def test_everything_the_server_writes_is_its_users_only_whatever_the_umask(tmp_path: Path) -> None:
    server = start_server(tmp_path, umask=0)
    try:
        world = make_world(server, server.data_dir)
        sec, chair = world["sec"], world["chair"]
        base = f"/api/meetings/{world.meeting_id}"
        # a document (blob, page text, page image, search index), a closed secret poll, signed minutes (keys)
        pdf = text_pdf(tmp_path / "to-trinh.pdf", ["Tờ trình phí trông giữ xe", "Trang hai"])
        document = sec.upload_document(world.meeting_id, pdf)
        for _ in range(600):
            shown = sec.ok("GET", f"/api/documents/{document['id']}")
            if shown["status"] != "processing" and shown["searchable"]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the document was never indexed")
        assert sec.request("GET", f"/api/documents/{document['id']}/pages/1?width=200").status_code == 200
        sec.ok("POST", f"{base}/start")
        for name in ("sec", "chair", "del1"):
            world[name].ok("POST", f"{base}/checkin")
        poll = open_secret_poll(world)
        chair.ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": option_ids(poll)["yes"]})
        sec.ok("POST", f"/api/polls/{poll['id']}/close")
        sec.ok("POST", f"{base}/close")
        minutes = sec.ok("POST", f"{base}/minutes/draft", json={})
        assert chair.ok("POST", f"{base}/minutes/approve", json={"base_version": minutes["version"]})["signed"]
        world.close()

        modes = {
            str(path.relative_to(server.data_dir)): stat.S_IMODE(path.stat().st_mode)
            for path in [server.data_dir, *server.data_dir.rglob("*")]
        }
        assert any(name.startswith("signing") for name in modes) and any(name.startswith("blobs") for name in modes)
        assert {"icabinet.db", "icabinet.db-wal", "icabinet.db-shm", "secret_key"} <= set(modes)
        wrong = {
            name: oct(mode)
            for name, mode in modes.items()
            if mode != (0o700 if (server.data_dir / name).is_dir() else 0o600)
        }
        assert wrong == {}, f"readable by others (or not 0600/0700): {wrong}"
    finally:
        server.stop()
