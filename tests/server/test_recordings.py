"""Recordings over HTTP with real speech: espeak-ng's sentences come back as transcript turns, each under the
speaker who had the floor and the item that was current; bad input is refused and nothing is stored."""

from __future__ import annotations

import os
import stat
import time
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from assistant.speech import Transcriber, bundled_model_path
from server.floor.models import SpeakerRequest
from server.live.models import MeetingEvent
from tests.server.conduct_helpers import ready_document
from tests.server.conftest import App, build_app
from tests.support import speech


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with build_app(tmp_path_factory.mktemp("app")) as world:
        yield world


def upload(client: Any, meeting_id: int, name: str, body: bytes, **fields: str) -> Any:
    return client.request(
        "POST", f"/api/meetings/{meeting_id}/recordings", files={"file": (name, body, "audio/wav")}, data=fields
    )


def stored_files(app: App) -> list[Path]:
    root = app.http.app.state.settings.recording_dir
    return sorted(path for path in root.rglob("*") if path.is_file())


def backdate(app: App, meeting_id: int, start: datetime, items_at_ms: list[int], speeches_ms: list[tuple[int, int]]):
    """Move the meeting's real agenda and floor history (made through the API a moment ago) to the times the
    recording says they happened: the n-th ``agenda.current`` to ``start + items_at_ms[n]``, the n-th speech to
    ``speeches_ms[n]``."""
    db = app.http.app.state.db

    async def move() -> None:
        async with db.write() as session:
            events = await session.exec(
                select(MeetingEvent)
                .where(MeetingEvent.meeting_id == meeting_id, MeetingEvent.name == "agenda.current")
                .order_by(col(MeetingEvent.seq))
            )
            for event, offset in zip(events.all(), items_at_ms, strict=True):
                event.created_at = start + timedelta(milliseconds=offset)
                session.add(event)
            requests = await session.exec(
                select(SpeakerRequest).where(SpeakerRequest.meeting_id == meeting_id).order_by(col(SpeakerRequest.id))
            )
            for request, (begin, end) in zip(requests.all(), speeches_ms, strict=True):
                request.started_at = start + timedelta(milliseconds=begin)
                request.ended_at = start + timedelta(milliseconds=end)
                session.add(request)
            await session.commit()

    app.http.blocking_portal.call(move)


def speak_on_the_floor(app: App, meeting_id: int, username: str) -> None:
    sec = app.users["sec"]
    request = app.users[username].ok("POST", f"/api/meetings/{meeting_id}/speakers", json={})
    sec.ok("POST", f"/api/meetings/{meeting_id}/speakers/{request['id']}/start")
    sec.ok("POST", f"/api/meetings/{meeting_id}/speakers/{request['id']}/end")


def test_speech_comes_back_as_turns_under_the_floor_and_the_item(app: App, tmp_path: Path) -> None:
    meeting_id, (opening, report) = app.new_meeting(live=True)
    sec, del1, guest = app.users["sec"], app.users["del1"], app.users["guest"]
    spoken = speech.conversation(tmp_path, speech.SENTENCES[:3])
    (s0, start0, end0), (s1, start1, end1), (s2, start2, end2) = spoken.sentences
    # what happened in the room: the opening is current, del1 speaks, the chair goes on, the report is
    # current and the secretary speaks
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{opening}/current")
    speak_on_the_floor(app, meeting_id, "del1")
    sec.ok("POST", f"/api/meetings/{meeting_id}/agenda/{report}/current")
    speak_on_the_floor(app, meeting_id, "sec")
    recorded_at = datetime.now(UTC) - timedelta(hours=1)
    pause = (start1 - end0) // 2
    backdate(app, meeting_id, recorded_at, [0, end1 + pause], [(start0 - pause, end0 + pause), (end1 + pause, end2)])

    response = upload(sec, meeting_id, "phong-hop.wav", spoken.path.read_bytes(), recorded_at=recorded_at.isoformat())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] in ("queued", "transcribing")
    recording = speech.wait_transcribed(del1, meeting_id, created["id"])
    assert recording["status"] == "done", recording["error"]
    assert recording["error"] is None and recording["transcript_id"]

    transcript = del1.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")
    assert transcript["format"] == "audio" and transcript["turn_count"] == len(transcript["turns"])
    expected = [(s0, "del1", opening), (s1, "chair", opening), (s2, "sec", report)]
    heard: dict[str, list[str]] = {sentence: [] for sentence, _, _ in expected}
    for turn in transcript["turns"]:
        middle = (turn["start_ms"] + turn["end_ms"]) // 2
        index = next(i for i, (_, _, end) in enumerate(spoken.sentences) if middle <= end + pause)
        sentence, speaker, item = expected[index]
        assert (turn["speaker"], turn["agenda_item_id"]) == (speaker, item), turn
        heard[sentence].append(turn["text"])
    for sentence, texts in heard.items():
        assert speech.word_error_rate(sentence, " ".join(texts)) <= 0.2, (sentence, texts)
    reference = " ".join(sentence for sentence, _, _ in spoken.sentences)
    hypothesis = " ".join(turn["text"] for turn in transcript["turns"])
    error_rate = speech.word_error_rate(reference, hypothesis)
    print(f"word error rate of tiny.en on espeak-ng speech: {error_rate:.1%}")
    assert error_rate <= 0.2

    # the turns join what the assistant and the minutes read, each under its item and speaker
    for _ in range(6000):
        if del1.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{transcript['id']}")["searchable"]:
            break
        time.sleep(0.02)
    found = del1.ok("GET", "/api/search", params={"q": "repair the bridge", "meeting_id": meeting_id})["hits"]
    assert (found[0]["kind"], found[0]["transcript_id"]) == ("transcript", transcript["id"])
    assert "repair the bridge" in found[0]["snippet"].lower()
    drafted = sec.ok("POST", f"/api/meetings/{meeting_id}/minutes/draft", json={})
    sections = {section["key"]: section["lines"] for section in drafted["content"]["sections"]}

    def said(item: int, speaker: str) -> str:
        """The minutes' line for ``speaker`` under ``item``, drawn from this transcript."""
        return next(
            line["text"]
            for line in sections[f"item-{item}"]
            if line["text"].startswith(speaker)
            and any(e["kind"] == "transcript" and e["id"] == transcript["id"] for e in line["evidence"])
        )

    assert "budget for public parks" in said(opening, "del1").lower()
    assert "bridge" in said(opening, "chair").lower()
    assert "three more teachers" in said(report, "sec").lower()

    # readers of transcripts read recordings; guests read neither
    assert [r["id"] for r in del1.ok("GET", f"/api/meetings/{meeting_id}/recordings")] == [created["id"]]
    assert guest.request("GET", f"/api/meetings/{meeting_id}/recordings/{created['id']}").status_code == 403
    # the audio is under the data directory with its meeting, readable by the server alone
    [audio] = [path for path in stored_files(app) if path.parent.name == str(meeting_id)]
    assert stat.S_IMODE(os.stat(audio).st_mode) == 0o600
    actions = [e["action"] for e in app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})]
    assert "recording.add" in actions


def test_an_item_given_with_the_upload_files_every_turn_under_it(app: App, tmp_path: Path) -> None:
    meeting_id, (_opening, report) = app.new_meeting()
    sec = app.users["sec"]
    spoken = speech.conversation(tmp_path, speech.SENTENCES)  # all eight: the word error rate over 70 words
    response = upload(sec, meeting_id, "bao-cao.wav", spoken.path.read_bytes(), agenda_item_id=str(report))
    assert response.status_code == 201, response.text
    recording = speech.wait_transcribed(sec, meeting_id, response.json()["id"])
    assert recording["status"] == "done" and recording["agenda_item_id"] == report
    transcript = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")
    assert transcript["turns"] and transcript["agenda_item_id"] == report
    # no recording time: nobody's floor is known, so every turn is the chair's
    assert {(t["speaker"], t["agenda_item_id"]) for t in transcript["turns"]} == {("chair", report)}
    reference = " ".join(sentence for sentence, _, _ in spoken.sentences)
    error_rate = speech.word_error_rate(reference, " ".join(t["text"] for t in transcript["turns"]))
    print(f"word error rate of tiny.en on eight espeak-ng sentences: {error_rate:.1%}")
    assert error_rate <= 0.2

    # each turn plays its own sound: the excerpt, heard again by the same model, says the turn's words
    assert transcript["audio"] is True
    turn = transcript["turns"][-1]
    sound = f"/api/meetings/{meeting_id}/transcripts/{transcript['id']}/turns/{turn['id']}/audio"
    played = app.users["del1"].request("GET", sound)
    assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
    excerpt = tmp_path / "turn.wav"
    excerpt.write_bytes(played.content)
    with wave.open(str(excerpt)) as heard:
        assert heard.getframerate() == 16_000
        assert abs(heard.getnframes() / 16 - (turn["end_ms"] - turn["start_ms"])) < 50
    again = " ".join(s.text for s in Transcriber(bundled_model_path()).segments(excerpt))  # type: ignore[arg-type]
    assert speech.word_error_rate(turn["text"], again) <= 0.3, (turn["text"], again)
    assert app.users["guest"].request("GET", sound).status_code == 403
    imported = sec.ok(
        "POST",
        f"/api/meetings/{meeting_id}/transcripts",
        files={"file": ("hop.txt", b"Chair: We open the meeting.\n", "text/plain")},
    )
    imported_turn = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{imported['id']}")
    assert imported_turn["audio"] is False
    no_sound = f"/api/meetings/{meeting_id}/transcripts/{imported['id']}/turns/{imported_turn['turns'][0]['id']}/audio"
    assert sec.request("GET", no_sound).status_code == 404

    # the secretary files a turn under the delegate who really spoke; audited, and the chair may not
    turn = transcript["turns"][0]
    del1_id = app.users["del1"].user["id"]
    path = f"/api/meetings/{meeting_id}/transcripts/{transcript['id']}/turns/{turn['id']}"
    assert app.users["chair"].request("PATCH", path, json={"speaker_user_id": del1_id}).status_code == 403
    outsider = app.users["outsider"].user["id"]
    assert sec.request("PATCH", path, json={"speaker_user_id": outsider}).status_code == 400
    changed = sec.ok("PATCH", path, json={"speaker_user_id": del1_id})
    assert (changed["speaker"], changed["speaker_user_id"]) == ("del1", del1_id)
    again = sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts/{transcript['id']}")["turns"][0]
    assert (again["speaker"], again["text"]) == ("del1", turn["text"])
    entries = app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    [entry] = [e for e in entries if e["action"] == "transcript.turn"]
    assert entry["target_id"] == turn["id"]


def test_what_is_not_audio_is_refused_and_nothing_is_stored(app: App, tmp_path: Path) -> None:
    meeting_id, items = app.new_meeting()
    sec = app.users["sec"]
    before = stored_files(app)
    refusals = [
        ("notes.wav", b"Chu toa: khai mac cuoc hop.\n" * 20, {}),  # a text file renamed .wav
        ("empty.wav", b"", {}),
        ("cut.wav", speech.silence_wav()[:30], {}),  # a WAV header cut short
        ("scan.mp3", b"%PDF-1.7\n" + os.urandom(4000), {}),
        ("ok.wav", speech.silence_wav(), {"agenda_item_id": "abc"}),
        ("ok.wav", speech.silence_wav(), {"agenda_item_id": "999999"}),
        ("ok.wav", speech.silence_wav(), {"recorded_at": "yesterday"}),
    ]
    for name, body, fields in refusals:
        response = upload(sec, meeting_id, name, body, **fields)
        assert response.status_code in (400, 404), (name, response.text)
        assert response.json()["detail"], name
    text = b"Chu toa: khai mac cuoc hop.\n" * 20
    assert "không phải bản ghi âm" in upload(sec, meeting_id, "notes.wav", text).json()["detail"]
    english = sec.request(
        "POST",
        f"/api/meetings/{meeting_id}/recordings",
        files={"file": ("notes.wav", text, "audio/wav")},
        headers={"Accept-Language": "en"},
    )
    assert "not an audio recording" in english.json()["detail"]
    assert stored_files(app) == before
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/recordings") == []
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts") == []


def test_a_recording_too_large_or_too_long_is_refused(tmp_path: Path) -> None:
    with build_app(tmp_path / "data", asr_max_upload_mb=1, asr_max_minutes=1, asr=False) as small:
        meeting_id, _ = small.new_meeting()
        too_large = upload(small.users["sec"], meeting_id, "long.wav", speech.silence_wav(seconds=40))  # 1.28 MB
        assert too_large.status_code == 413, too_large.text
        # 61 s of 8 kHz silence is under 1 MB, and over the minute allowed
        too_long = upload(small.users["sec"], meeting_id, "long.wav", speech.silence_wav(seconds=61, rate=8000))
        assert too_long.status_code == 400, too_long.text
        assert "1 phút" in too_long.json()["detail"]
        assert stored_files(small) == []
        assert small.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/recordings") == []


def transcribed_silence(world: App, meeting_id: int) -> dict[str, Any]:
    response = upload(world.users["sec"], meeting_id, "im-lang.wav", speech.silence_wav())
    assert response.status_code == 201, response.text
    return speech.wait_transcribed(world.users["sec"], meeting_id, response.json()["id"])


def sweep(world: App) -> int:
    swept: int = world.http.blocking_portal.call(world.http.app.state.speech.sweep_audio)
    return swept


def test_audio_is_deleted_after_its_retention_days_and_the_transcript_stays(tmp_path: Path) -> None:
    with build_app(tmp_path / "data", asr_audio_retention_days=0) as world:
        meeting_id, _ = world.new_meeting()
        recording = transcribed_silence(world, meeting_id)
        assert recording["audio_kept"] and len(stored_files(world)) == 1
        assert sweep(world) == 1
        after = world.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/recordings/{recording['id']}")
        assert not after["audio_kept"] and after["status"] == "done"
        assert stored_files(world) == []
        assert world.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")


def test_audio_is_kept_until_the_minutes_are_approved_when_so_set(tmp_path: Path) -> None:
    with build_app(tmp_path / "data", asr_delete_audio_when_approved=True) as world:
        sec, chair = world.users["sec"], world.users["chair"]
        meeting_id, _ = world.new_meeting(live=True)
        recording = transcribed_silence(world, meeting_id)
        sec.ok("POST", f"/api/meetings/{meeting_id}/close")
        sec.ok("POST", f"/api/meetings/{meeting_id}/minutes/draft", json={})
        assert sweep(world) == 0, "a draft is not approved minutes"
        chair.ok("POST", f"/api/meetings/{meeting_id}/minutes/approve", json={"base_version": 1})
        assert sweep(world) == 1
        after = sec.ok("GET", f"/api/meetings/{meeting_id}/recordings/{recording['id']}")
        assert not after["audio_kept"] and stored_files(world) == []


def test_audio_of_a_deleted_meeting_is_swept_and_audio_in_use_is_not(app: App) -> None:
    sec = app.users["sec"]
    kept_meeting, _ = app.new_meeting()
    kept = transcribed_silence(app, kept_meeting)
    gone_meeting, _ = app.new_meeting()
    transcribed_silence(app, gone_meeting)
    sec.ok("DELETE", f"/api/meetings/{gone_meeting}")
    files = {path.parent.name: path for path in stored_files(app)}
    assert sweep(app) == 0, "an orphan younger than an upload in flight can be is left alone"
    hour_ago = time.time() - 2 * 3600
    for path in files.values():
        os.utime(path, (hour_ago, hour_ago))
    assert sweep(app) == 1
    assert files[str(kept_meeting)].exists() and not files[str(gone_meeting)].exists()
    assert sec.ok("GET", f"/api/meetings/{kept_meeting}/recordings/{kept['id']}")["audio_kept"]


def test_removing_the_transcript_mid_way_stops_the_recording(app: App, tmp_path: Path) -> None:
    meeting_id, _ = app.new_meeting()
    sec = app.users["sec"]
    spoken = speech.conversation(tmp_path, speech.SENTENCES * 4)  # nearly three minutes: time to remove it
    created = upload(sec, meeting_id, "dai.wav", spoken.path.read_bytes()).json()
    path = f"/api/meetings/{meeting_id}/recordings/{created['id']}"
    for _ in range(6000):
        recording = sec.ok("GET", path)
        if recording["progress_ms"] > 0:
            break
        time.sleep(0.02)
    sec.ok("DELETE", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")
    ended = speech.wait_transcribed(sec, meeting_id, created["id"])
    assert (ended["status"], ended["error"], ended["transcript_id"]) == ("failed", "the transcript was removed", None)
    assert sec.ok("GET", f"/api/meetings/{meeting_id}/transcripts") == []


def test_documents_are_read_while_a_long_recording_is_transcribed(app: App, tmp_path: Path) -> None:
    meeting_id, _ = app.new_meeting()
    sec = app.users["sec"]
    spoken = speech.conversation(tmp_path, speech.SENTENCES * 8)  # about six minutes: far longer than a small PDF takes
    created = upload(sec, meeting_id, "dai.wav", spoken.path.read_bytes()).json()
    path = f"/api/meetings/{meeting_id}/recordings/{created['id']}"
    for _ in range(6000):
        if sec.ok("GET", path)["progress_ms"] > 0:
            break
        time.sleep(0.02)
    document = ready_document(app, meeting_id)  # uploaded, read and searchable
    recording = sec.ok("GET", path)
    assert recording["status"] == "transcribing", "the document should not have waited for the recording"
    assert document["status"] == "ready"
    sec.ok("DELETE", f"/api/meetings/{meeting_id}/transcripts/{recording['transcript_id']}")  # no need to finish
    speech.wait_transcribed(sec, meeting_id, created["id"])


def test_without_a_speech_model_recordings_wait_queued_and_health_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "no-model"
    empty.mkdir()
    with build_app(tmp_path / "data", asr_model=empty) as world:
        meeting_id, _ = world.new_meeting()
        created = upload(world.users["sec"], meeting_id, "im-lang.wav", speech.silence_wav()).json()
        for _ in range(6000):
            health = world.anonymous().ok("GET", "/health")
            if "speech" in health:
                break
            time.sleep(0.02)
        assert "no CTranslate2 Whisper model" in health["speech"]["unavailable"]
        recording = world.users["sec"].ok("GET", f"/api/meetings/{meeting_id}/recordings/{created['id']}")
        assert recording["status"] == "queued" and recording["audio_kept"]
