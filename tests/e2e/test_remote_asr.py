"""ICABINET_ASR_BASE_URL: a real server transcribes through an OpenAI-compatible transcription server (here
tests/support/asr_server.py: faster-whisper behind /v1/audio/transcriptions), with its key as a bearer
header that never reaches a log or an error; a refused key fails the recording and says why; a live capture
is captioned through it too."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_world
from tests.support import speech
from tests.support.server import REPO, ServerProcess, free_port, stop_process

pytestmark = pytest.mark.e2e

SECRET = "sk-test-7f3a9c1e-not-for-logs"


@contextlib.contextmanager
def serving(port: int, told: Path) -> Iterator[str]:
    """tests/support/asr_server.py on ``port`` of 127.0.0.1, its requests told to ``told``: its /v1 URL."""
    with told.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.asr_server", "--port", str(port), "--api-key", SECRET],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None, told.read_text()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process(process)


@pytest.fixture
def asr_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The transcription server on a free port: its /v1 URL and the file its requests go to."""
    told = tmp_path / "asr-requests.jsonl"
    with serving(free_port(), told) as base_url:
        yield base_url, told


def requests_told(told: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in told.read_text().splitlines() if line.startswith("{")]


def test_recordings_are_transcribed_by_the_organisations_server(asr_server: tuple[str, Path], tmp_path: Path) -> None:
    base_url, told = asr_server
    settings = {"asr_base_url": base_url, "asr_api_key": SECRET, "asr_remote_model": "tiny-en-test"}
    # no local model to fall back on: a path that holds none
    server = ServerProcess(tmp_path / "data", asr_model=str(tmp_path / "no-model"), **settings).start()
    world = make_world(server, tmp_path / "data")
    try:
        sec, meeting_id = world["sec"], world.meeting_id
        spoken = speech.conversation(tmp_path, speech.SENTENCES[:3])
        files = {"file": ("phong-hop.wav", spoken.path.read_bytes(), "audio/wav")}
        created = sec.ok("POST", f"/api/meetings/{meeting_id}/recordings", files=files)
        recording = speech.wait_transcribed(sec, meeting_id, created["id"])
        assert recording["status"] == "done", recording["error"]
        turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")["turns"]
        reference = " ".join(sentence for sentence, _, _ in spoken.sentences)
        assert speech.word_error_rate(reference, " ".join(t["text"] for t in turns)) <= 0.2
        # timed turns, in order, within the audio
        assert all(0 <= t["start_ms"] < t["end_ms"] <= spoken.duration_ms + 1500 for t in turns)
        asked = requests_told(told)
        assert asked and all(r["model"] == "tiny-en-test" and r["response_format"] == "verbose_json" for r in asked)
        assert all(r["authorised"] for r in asked)

        # a live capture is captioned through the same server while it runs
        base = f"/api/meetings/{meeting_id}/recordings"
        live = sec.ok("POST", f"{base}/live", json={})
        samples = speech.pcm16k(spoken.path) + bytes(2 * 32_000)
        headers = {"Content-Type": "application/octet-stream"}
        for start in range(0, len(samples), 32_000):
            sec.ok("POST", f"{base}/{live['id']}/audio", content=samples[start : start + 32_000], headers=headers)
        for _ in range(600):
            capturing = sec.ok("GET", f"{base}/{live['id']}")
            if capturing["progress_ms"] >= spoken.sentences[-1][2] - 500:  # the last sentence is in
                break
            time.sleep(0.1)
        assert capturing["status"] == "capturing" and capturing["transcript_id"], capturing
        live_turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{capturing['transcript_id']}")["turns"]
        assert speech.word_error_rate(reference, " ".join(t["text"] for t in live_turns)) <= 0.25
        sec.ok("POST", f"{base}/{live['id']}/stop")
    finally:
        world.close()
        server.stop()
    assert SECRET not in server.log_path.read_text()


def test_a_refused_key_fails_the_recording_without_telling_the_key(
    asr_server: tuple[str, Path], tmp_path: Path
) -> None:
    base_url, _told = asr_server
    wrong = "sk-wrong-key-also-secret"
    server = ServerProcess(tmp_path / "data", asr_base_url=base_url, asr_api_key=wrong).start()
    world = make_world(server, tmp_path / "data")
    try:
        sec, meeting_id = world["sec"], world.meeting_id
        files = {
            "file": ("cau.wav", speech.conversation(tmp_path, speech.SENTENCES[:1]).path.read_bytes(), "audio/wav")
        }
        created = sec.ok("POST", f"/api/meetings/{meeting_id}/recordings", files=files)
        recording = speech.wait_transcribed(sec, meeting_id, created["id"])
        assert recording["status"] == "failed"
        assert "401" in recording["error"] and wrong not in recording["error"]
    finally:
        world.close()
        server.stop()
    assert wrong not in server.log_path.read_text()


def test_recordings_wait_while_the_transcription_server_is_down(tmp_path: Path) -> None:
    """A server that does not answer is not the recording's fault: it stays queued, without an error, and is
    transcribed once the server is back."""
    port = free_port()
    settings = {"asr_base_url": f"http://127.0.0.1:{port}/v1", "asr_api_key": SECRET}
    server = ServerProcess(tmp_path / "data", **settings).start()
    world = make_world(server, tmp_path / "data")
    try:
        sec, meeting_id = world["sec"], world.meeting_id
        spoken = speech.conversation(tmp_path, speech.SENTENCES[:1])
        files = {"file": ("cau.wav", spoken.path.read_bytes(), "audio/wav")}
        created = sec.ok("POST", f"/api/meetings/{meeting_id}/recordings", files=files)
        path = f"/api/meetings/{meeting_id}/recordings/{created['id']}"
        time.sleep(3)  # tried, and refused by a closed port
        waiting = sec.ok("GET", path)
        assert waiting["status"] == "queued" and waiting["error"] is None, waiting
        assert "did not answer" in server.log_path.read_text()  # it was tried
        with serving(port, tmp_path / "asr-requests.jsonl"):
            recording = speech.wait_transcribed(sec, meeting_id, created["id"])
        assert recording["status"] == "done", recording["error"]
        turns = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")["turns"]
        assert speech.word_error_rate(spoken.sentences[0][0], " ".join(t["text"] for t in turns)) <= 0.2
    finally:
        world.close()
        server.stop()
    assert SECRET not in server.log_path.read_text()
