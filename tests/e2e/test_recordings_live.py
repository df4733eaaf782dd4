"""A real server killed with SIGKILL while it transcribes a recording resumes it at start-up, where the last
committed turn ended: the turns made before the kill stay, none is made twice, and the speech is all there."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, MeetingWorld
from tests.support import speech
from tests.support.api import Api

pytestmark = pytest.mark.e2e


def test_sigkill_during_transcription_resumes_where_it_stopped(world: MeetingWorld, tmp_path: Path) -> None:
    sec, meeting_id = world["sec"], world.meeting_id
    spoken = speech.conversation(tmp_path, speech.SENTENCES * 2)  # about 85 s of speech
    response = sec.request(
        "POST",
        f"/api/meetings/{meeting_id}/recordings",
        files={"file": ("phong-hop.wav", spoken.path.read_bytes(), "audio/wav")},
    )
    assert response.status_code == 201, response.text
    recording_id = response.json()["id"]
    path = f"/api/meetings/{meeting_id}/recordings/{recording_id}"

    for _ in range(6000):  # until the first turns are committed (the model loads first)
        recording = sec.ok("GET", path)
        if recording["status"] != "queued" and recording["progress_ms"] > 0:
            break
        time.sleep(0.02)
    transcript_path = f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}"
    turns_before = sec.ok("GET", transcript_path)["turns"]
    world.server.kill()
    assert recording["status"] == "transcribing", "the recording should have been mid-way when the server died"
    assert recording["progress_ms"] < spoken.duration_ms and turns_before
    before_kill = recording

    world.server.start()
    sec = Api.login(world.server.url, "sec", PASSWORD)
    try:
        recording = speech.wait_transcribed(sec, meeting_id, recording_id)
        assert recording["status"] == "done", recording["error"]
        assert recording["transcript_id"] == before_kill["transcript_id"]
        turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")["turns"]
    finally:
        sec.close()
    world.server.stop()

    assert [t["position"] for t in turns] == list(range(len(turns)))
    starts = [t["start_ms"] for t in turns]
    assert starts == sorted(starts) and len(set(starts)) == len(starts), "a stretch of speech was transcribed twice"
    assert turns[-1]["end_ms"] > before_kill["progress_ms"]
    # the turns committed before the kill are kept as they were, and the rest follow them
    assert turns[: len(turns_before)] == turns_before
    assert len(turns) > len(turns_before)
    reference = " ".join(sentence for sentence, _, _ in spoken.sentences)
    error_rate = speech.word_error_rate(reference, " ".join(t["text"] for t in turns))
    print(f"word error rate across the kill: {error_rate:.1%}")
    assert error_rate <= 0.2
