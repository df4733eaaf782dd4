"""Routes for a meeting's transcripts: upload, list, read the turns, correct a turn, remove."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.db import DbSession
from server.errors import Invalid
from server.meetings.controller import change_context
from server.transcripts.corrections import TurnEdit, TurnEditor, TurnRevisionPublic
from server.transcripts.schemas import TranscriptDetail, TranscriptPublic, TurnPublic
from server.transcripts.service import MAX_TRANSCRIPT_BYTES, TranscriptService

UPLOAD_DOC = (
    "multipart/form-data: `file` (.txt with 'Speaker: text' lines, .vtt WebVTT, or .srt), optional `agenda_item_id`."
)


_Transcript = TypeVar("_Transcript", bound=TranscriptPublic)


def with_readiness(request: Request, transcript: _Transcript) -> _Transcript:
    """The transcript with what the search index holds of it now (`searchable`, `vectors`)."""
    searchable, vectors = request.app.state.search_index.record_readiness("transcript", transcript.id)
    return transcript.model_copy(update={"searchable": searchable, "vectors": vectors})


def transcript_service(request: Request, db_session: DbSession) -> TranscriptService:
    return TranscriptService(change_context(request, db_session))


def _item_id(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid("agenda_item_id must be a number", "agenda_item_id phải là số") from None


class TranscriptController(Controller):
    path = "/api/meetings/{meeting_id:int}/transcripts"
    tags = ["transcripts"]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        description=UPLOAD_DOC,
        request_max_body_size=MAX_TRANSCRIPT_BYTES + 64 * 1024,
    )
    async def upload(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> TranscriptPublic:
        """Chair or secretary: attach a transcript to the meeting or one of its items."""
        service = transcript_service(request, db_session)
        await service.check_can_upload(meeting_id)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("Send the transcript in a 'file' field", "Hãy gửi bản ghi trong trường 'file'")
        content = await upload.read()
        item_id = _item_id(data.get("agenda_item_id"))
        return await service.create(meeting_id, upload.filename or "", content, item_id)

    @get("/")
    async def list_transcripts(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int]
    ) -> list[TranscriptPublic]:
        """The meeting's transcripts (participants other than guests)."""
        transcripts = await transcript_service(request, db_session).list(meeting_id)
        return [with_readiness(request, transcript) for transcript in transcripts]

    @get("/{transcript_id:int}")
    async def get_transcript(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], transcript_id: FromPath[int]
    ) -> TranscriptDetail:
        """One transcript with its speaker turns in order (times in ms)."""
        return with_readiness(request, await transcript_service(request, db_session).detail(meeting_id, transcript_id))

    @delete("/{transcript_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_transcript(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], transcript_id: FromPath[int]
    ) -> None:
        """Chair or secretary: remove a transcript and its turns."""
        await transcript_service(request, db_session).remove(meeting_id, transcript_id)

    @patch("/{transcript_id:int}/turns/{turn_id:int}")
    async def edit_turn(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        transcript_id: FromPath[int],
        turn_id: FromPath[int],
        data: JSONBody[TurnEdit],
    ) -> TurnPublic:
        """The meeting's secretary (or an administrator): correct a turn's speaker (a participant) and/or text;
        the turn as it was is kept (``.../revisions``), the change audited and sent as ``transcript.turn``."""
        return await TurnEditor(db_session, change_context(request, db_session)).edit(
            meeting_id, transcript_id, turn_id, data
        )

    @get("/{transcript_id:int}/turns/{turn_id:int}/revisions")
    async def turn_revisions(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        transcript_id: FromPath[int],
        turn_id: FromPath[int],
    ) -> list[TurnRevisionPublic]:
        """A turn's texts before each correction, the original first (those who read the transcript)."""
        return await TurnEditor(db_session, change_context(request, db_session)).revisions(
            meeting_id, transcript_id, turn_id
        )
