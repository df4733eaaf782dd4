"""Live capture over HTTP: the console sends the microphone's sound chunk by chunk; stopped (or gone silent,
as when the browser goes away), what was captured is transcribed under the floor and the agenda of its moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import App, build_app
from tests.server.test_recordings import backdate, speak_on_the_floor
from tests.support import speech

CHUNK = 32_000  # one second


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    # captions off: these captures are sent at once and their floor set after the fact (live captions:
    # tests/e2e/test_captions_live.py)
    with build_app(tmp_path_factory.mktemp("app"), asr_live_captions=False) as world:
        yield world


def send(client: Any, meeting_id: int, recording_id: int, samples: bytes) -> Any:
    path = f"/api/meetings/{meeting_id}/recordings/{recording_id}/audio"
    for start in range(0, len(samples), CHUNK):
        response = client.request(
            "POST", path, content=samples[start : start + CHUNK], headers={"Content-Type": "application/octet-stream"}
        )
        assert response.status_code == 200, response.text
    return response.json()


def test_a_live_capture_is_transcribed_under_the_floor_and_item_of_its_moment(app: App, tmp_path: Path) -> None:
    meeting_id, (opening, report) = app.new_meeting(live=True)
    sec, del1 = app.users["sec"], app.users["del1"]
    spoken = speech.conversation(tmp_path, speech.SENTENCES[:2])
    (s0, start0, end0), (s1, start1, end1) = spoken.sentences
    base = f"/api/meetings/{meeting_id}/recordings"
    assert app.users["chair"].request("POST", f"{base}/live", json={}).status_code == 403
    assert app.snapshot(meeting_id)["state"]["recording"] == {"capturing": False}
    live = sec.ok("POST", f"{base}/live", json={})
    assert live["status"] == "capturing"
    # the red dot: everyone in the room, guests too, is told the room is being recorded
    guest_view = app.users["guest"].ok("GET", f"/api/meetings/{meeting_id}/snapshot")["state"]
    assert guest_view["recording"] == {"capturing": True}
    assert sec.request("POST", f"{base}/{live['id']}/audio", content=b"\x00\x01\x02").status_code == 400  # odd
    samples = speech.pcm16k(spoken.path)
    captured = send(sec, meeting_id, live["id"], samples)
    assert captured["duration_ms"] == len(samples) * 1000 // CHUNK

    # the room while it was said: del1 under the opening, then the secretary under the report
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{opening}/current")
    speak_on_the_floor(app, meeting_id, "del1")
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{report}/current")
    speak_on_the_floor(app, meeting_id, "sec")
    started = datetime.fromisoformat(captured["recorded_at"])
    middle = (end0 + start1) // 2
    backdate(app, meeting_id, started, [0, middle], [(0, middle), (middle, end1 + 1000)])

    stopped = sec.ok("POST", f"{base}/{live['id']}/stop")
    assert stopped["status"] == "queued"
    assert app.snapshot(meeting_id)["state"]["recording"] == {"capturing": False}
    assert sec.request("POST", f"{base}/{live['id']}/audio", content=bytes(CHUNK)).status_code == 409
    recording = speech.wait_transcribed(del1, meeting_id, live["id"])
    assert recording["status"] == "done", recording["error"]
    turns = del1.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")["turns"]
    heard = {(turn["speaker"], turn["agenda_item_id"]) for turn in turns}
    assert heard == {("del1", opening), ("sec", report)}
    said = {speaker: " ".join(t["text"] for t in turns if t["speaker"] == speaker) for speaker in ("del1", "sec")}
    assert speech.word_error_rate(s0, said["del1"]) <= 0.2 and speech.word_error_rate(s1, said["sec"]) <= 0.2
    actions = [e["action"] for e in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert {"recording.start", "recording.stop"} <= set(actions)


def test_a_capture_whose_browser_went_away_keeps_what_was_captured(app: App, tmp_path: Path) -> None:
    meeting_id, _ = app.new_meeting()
    sec = app.users["sec"]
    spoken = speech.conversation(tmp_path, speech.SENTENCES[2:3])
    live = sec.ok("POST", f"/api/meetings/{meeting_id}/recordings/live", json={})
    send(sec, meeting_id, live["id"], speech.pcm16k(spoken.path))
    nothing = sec.ok("POST", f"/api/meetings/{meeting_id}/recordings/live", json={})  # opened, never sent to
    worker = app.http.app.state.speech
    assert app.snapshot(meeting_id)["state"]["recording"] == {"capturing": True}
    assert app.http.blocking_portal.call(worker.end_silent_captures, 0.0) == 2
    assert app.snapshot(meeting_id)["state"]["recording"] == {"capturing": False}
    recording = speech.wait_transcribed(sec, meeting_id, live["id"])
    assert recording["status"] == "done", recording["error"]
    turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")["turns"]
    assert speech.word_error_rate(spoken.sentences[0][0], " ".join(t["text"] for t in turns)) <= 0.2
    empty = sec.ok("GET", f"/api/meetings/{meeting_id}/recordings/{nothing['id']}")
    assert (empty["status"], empty["error"]) == ("failed", "No sound was captured")


def test_a_capture_stops_growing_at_the_longest_recording_allowed(tmp_path: Path) -> None:
    with build_app(tmp_path / "data", asr_max_minutes=1, asr=False) as world:
        meeting_id, _ = world.new_meeting()
        sec = world.users["sec"]
        live = sec.ok("POST", f"/api/meetings/{meeting_id}/recordings/live", json={})
        path = f"/api/meetings/{meeting_id}/recordings/{live['id']}/audio"
        ten_seconds = {"content": bytes(10 * CHUNK), "headers": {"Content-Type": "application/octet-stream"}}
        for _ in range(6):
            assert sec.request("POST", path, **ten_seconds).status_code == 200
        refused = sec.request("POST", path, **ten_seconds)
        assert refused.status_code == 413, refused.text
        kept = sec.ok("GET", f"/api/meetings/{meeting_id}/recordings/{live['id']}")
        assert (kept["status"], kept["duration_ms"]) == ("capturing", 60_000)
        assert sec.ok("POST", f"/api/meetings/{meeting_id}/recordings/{live['id']}/stop")["status"] == "queued"
