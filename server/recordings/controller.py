"""Routes for a meeting's recordings: upload, list, status, and live capture."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from pydantic import BaseModel

from server.db import DbSession
from server.documents.upload import receive_upload
from server.meetings.controller import change_context
from server.recordings.schemas import RecordingPublic
from server.recordings.service import MAX_CHUNK_BYTES, RecordingService

UPLOAD_DOC = (
    "multipart/form-data: `file` (audio: WAV, MP3, M4A, OGG, WebM, FLAC), optional `agenda_item_id` (every turn "
    "goes under that item) and `recorded_at` (ISO 8601 with time zone: when the audio starts, so each turn is "
    "filed under the speaker who had the floor then and, without `agenda_item_id`, the item then current). "
    "Transcribed in the background: poll `GET .../recordings/{id}` or follow `recording.changed` events."
)


class LiveStart(BaseModel):
    agenda_item_id: int | None = None


def recording_service(request: Request, db_session: DbSession) -> RecordingService:
    state = request.app.state
    return RecordingService(
        change_context(request, db_session),
        state.recordings,
        state.recording_queued,
        state.settings.asr_max_minutes,
        heard=state.recording_heard,
    )


class RecordingController(Controller):
    tags = ["recordings"]

    @post(
        "/api/meetings/{meeting_id:int}/recordings",
        status_code=HTTP_201_CREATED,
        description=UPLOAD_DOC,
        request_max_body_size=None,
    )
    async def upload(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> RecordingPublic:
        """The meeting's secretary (or an administrator): upload a recording to be transcribed."""
        service = recording_service(request, db_session)
        await service.check_can_upload(meeting_id)
        limit = request.app.state.settings.asr_max_upload_mb * 1024 * 1024
        received = await receive_upload(request, request.app.state.recordings.uploads, limit)
        try:
            return await service.create(meeting_id, received)
        finally:
            received.discard()

    @post("/api/meetings/{meeting_id:int}/recordings/live", status_code=HTTP_201_CREATED)
    async def start_live(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[LiveStart]
    ) -> RecordingPublic:
        """The meeting's secretary (or an administrator): start capturing the room's microphone (audited). Send
        the sound to ``.../recordings/{id}/audio`` as it comes, then ``.../stop``."""
        return await recording_service(request, db_session).start_live(meeting_id, data.agenda_item_id)

    @post(
        "/api/meetings/{meeting_id:int}/recordings/{recording_id:int}/audio",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_CHUNK_BYTES,
        description="application/octet-stream: 16 kHz mono 16-bit little-endian PCM, at most 10 s a chunk.",
        opt={"binary_body": True},  # sound, not JSON: server/input_guard.py lets its NUL bytes through
    )
    async def append_audio(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], recording_id: FromPath[int]
    ) -> RecordingPublic:
        """Add a chunk of the microphone's sound to a live recording."""
        samples = await request.body()
        return await recording_service(request, db_session).append(meeting_id, recording_id, samples)

    @post("/api/meetings/{meeting_id:int}/recordings/{recording_id:int}/stop", status_code=HTTP_200_OK)
    async def stop_live(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], recording_id: FromPath[int]
    ) -> RecordingPublic:
        """End a live capture; what was captured is transcribed in the background."""
        return await recording_service(request, db_session).stop_live(meeting_id, recording_id)

    @get("/api/meetings/{meeting_id:int}/recordings")
    async def list_recordings(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int]
    ) -> list[RecordingPublic]:
        """The meeting's recordings and how far each is transcribed (those who read its transcripts)."""
        return await recording_service(request, db_session).list(meeting_id)

    @get("/api/meetings/{meeting_id:int}/recordings/{recording_id:int}")
    async def get_recording(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], recording_id: FromPath[int]
    ) -> RecordingPublic:
        """One recording: ``status`` queued | transcribing | done | failed, ``error``, ``transcript_id``."""
        return await recording_service(request, db_session).get(meeting_id, recording_id)

    @get(
        "/api/meetings/{meeting_id:int}/transcripts/{transcript_id:int}/turns/{turn_id:int}/audio",
        media_type="audio/wav",
    )
    async def turn_audio(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        transcript_id: FromPath[int],
        turn_id: FromPath[int],
    ) -> Response[bytes]:
        """The sound of one turn of a recorded transcript (16 kHz mono WAV, from its start to its end, at most
        five minutes), to those who read the meeting's transcripts; 404 when no sound is kept for it."""
        audio = await recording_service(request, db_session).turn_audio(meeting_id, transcript_id, turn_id)
        return Response(audio, media_type="audio/wav", headers={"Cache-Control": "private, no-store"})
