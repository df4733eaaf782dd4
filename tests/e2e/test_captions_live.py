"""Live captions through a real server: the room's sound is streamed a chunk a second, as the console sends it,
and the words come back over the meeting's websocket as ``transcript.turn_added`` while the capture still runs;
a guest's socket hears none of them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MeetingWorld
from tests.support import speech
from tests.support.live import Tablet

pytestmark = pytest.mark.e2e

CHUNK = 32_000  # one second of 16 kHz 16-bit mono, as capture.js sends it


def stream(world: MeetingWorld, recording_id: int, samples: bytes, pace: float) -> list[float]:
    """POST the sound a chunk every ``pace`` seconds of wall time; when each chunk was sent (monotonic)."""
    path = f"/api/meetings/{world.meeting_id}/recordings/{recording_id}/audio"
    sent = []
    start = time.monotonic()
    for index, offset in enumerate(range(0, len(samples), CHUNK)):
        time.sleep(max(0.0, start + index * pace - time.monotonic()))
        headers = {"Content-Type": "application/octet-stream"}
        response = world["sec"].request("POST", path, content=samples[offset : offset + CHUNK], headers=headers)
        assert response.status_code == 200, response.text
        sent.append(time.monotonic())
    return sent


async def captions_until(tablet: Tablet, done: asyncio.Future[Any], settle: float) -> list[dict[str, Any]]:
    """The ``transcript.turn_added`` events a socket receives until ``done`` and ``settle`` seconds more."""
    received: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline: float | None = None
    while deadline is None or loop.time() < deadline:
        if deadline is None and done.done():
            deadline = loop.time() + settle
        try:
            message = await tablet.receive(0.2)
        except TimeoutError:
            continue
        if message["type"] == "event" and message["name"] == "transcript.turn_added":
            received.append(message["data"])
    return received


async def test_captions_follow_the_speech_while_the_room_is_recorded(world: MeetingWorld, tmp_path: Path) -> None:
    spoken = speech.conversation(tmp_path, speech.SENTENCES[:3])
    samples = speech.pcm16k(spoken.path) + bytes(3 * CHUNK)  # the room goes quiet after the last sentence
    base = f"/api/meetings/{world.meeting_id}/recordings"
    delegate = await Tablet(world.server.ws_url, world.meeting_id, world["del1"].token).connect()
    guest = await Tablet(world.server.ws_url, world.meeting_id, world["guest"].token).connect()
    for tablet in (delegate, guest):
        assert (await tablet.receive())["type"] == "snapshot"
    live = world["sec"].ok("POST", f"{base}/live", json={})
    # the model loads on the first window: warm it with a second of silence, then speak in real time
    stream(world, live["id"], bytes(CHUNK), 1.0)
    sending = asyncio.ensure_future(asyncio.to_thread(stream, world, live["id"], samples, 1.0))
    heard, guest_heard = await asyncio.gather(captions_until(delegate, sending, 8.0), captions_until(guest, sending, 0))
    await sending
    still = world["sec"].ok("GET", f"{base}/{live['id']}")
    assert still["status"] == "capturing", "captions came while the capture ran, not when it stopped"
    world["sec"].ok("POST", f"{base}/{live['id']}/stop")
    await delegate.close()
    await guest.close()

    assert guest_heard == [], "a guest does not read the meeting's transcripts, nor its captions"
    assert heard, "no caption came while the room was recorded"
    text = " ".join(caption["turn"]["text"] for caption in heard)
    reference = " ".join(sentence for sentence, _, _ in spoken.sentences)
    error_rate = speech.word_error_rate(reference, text)
    print(f"captions: {text!r}; word error rate {error_rate:.1%}")
    assert error_rate <= 0.25
    positions = [caption["turn"]["position"] for caption in heard]
    assert positions == list(range(len(heard)))
    assert {caption["transcript_id"] for caption in heard} == {still["transcript_id"]}
    # the captions are the transcript's turns, filed as any recording's: stopping adds no second copy of them
    recording = speech.wait_transcribed(world["sec"], world.meeting_id, live["id"])
    assert recording["status"] == "done", recording["error"]
    turns = world["del1"].ok("GET", f"/api/meetings/{world.meeting_id}/transcripts/{recording['transcript_id']}")
    assert [turn["text"] for turn in turns["turns"]][: len(heard)] == [caption["turn"]["text"] for caption in heard]
    assert speech.word_error_rate(reference, " ".join(t["text"] for t in turns["turns"])) <= 0.25
