"""Transcripts: the chair or secretary attaches and removes them; participants other than guests read them.

A transcript is read like an internal document (nội bộ): every participant
but guests, and administrators. Nothing is stored unless the whole file parses.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.transcript import FORMATS, InvalidTranscript, detect_format, parse
from server.agenda.models import AgendaItem
from server.audit import audit
from server.documents.access import meeting_viewers
from server.errors import Forbidden, Invalid, NotFound, TooLarge, Unsupported
from server.events import TranscriptAdded, TranscriptRemoved
from server.live.context import ChangeContext
from server.meetings.access import MeetingAccess, load_access, load_managed
from server.meetings.models import MeetingRole, Participant
from server.recordings.models import Recording
from server.transcripts.models import Transcript, TranscriptTurn
from server.transcripts.schemas import TranscriptDetail, TranscriptPublic, TurnPublic

MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024
"""A two-hour meeting's transcript is ~150 KB; anything past this is not a transcript."""
EXTENSIONS = (".txt", ".vtt", ".srt")


def transcript_public(transcript: Transcript) -> TranscriptPublic:
    return TranscriptPublic.model_validate(transcript, from_attributes=True)


def may_read_transcripts(access: MeetingAccess) -> bool:
    return access.meeting_role is not MeetingRole.guest


async def transcript_audience(session: AsyncSession, meeting_id: int) -> list[int]:
    """Who hears of a meeting's transcripts: everyone who sees the meeting but its guests."""
    guests = (
        await session.exec(
            select(Participant.user_id).where(
                Participant.meeting_id == meeting_id, Participant.role == MeetingRole.guest
            )
        )
    ).all()
    return [user for user in await meeting_viewers(session, meeting_id) if user not in set(guests)]


def decode(filename: str, content: bytes) -> tuple[str, str]:
    """The file's format and text; refuses what is not a UTF-8 transcript file."""
    if not filename.lower().endswith(EXTENSIONS):
        raise Unsupported(
            "A transcript is a .txt, .vtt or .srt file",
            "Bản ghi lời phát biểu phải là tệp .txt, .vtt hoặc .srt",
        )
    if len(content) > MAX_TRANSCRIPT_BYTES:
        raise TooLarge(
            f"The transcript is larger than {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MB",
            f"Bản ghi lời phát biểu vượt quá {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MB",
        )
    if not content.strip():
        raise Invalid("The transcript is empty", "Bản ghi lời phát biểu trống")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("The transcript is not UTF-8 text", "Bản ghi lời phát biểu không phải văn bản UTF-8") from None
    fmt = detect_format(filename, text)
    assert fmt in FORMATS
    return fmt, text


class TranscriptService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def _readable(self, meeting_id: int) -> MeetingAccess:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if not may_read_transcripts(access):
            raise Forbidden(
                "Guests do not read the meeting's transcripts",
                "Khách mời không được xem bản ghi lời phát biểu của cuộc họp",
            )
        return access

    async def check_can_upload(self, meeting_id: int) -> None:
        await load_managed(self.session, meeting_id, self.ctx.principal)

    async def create(
        self, meeting_id: int, filename: str, content: bytes, agenda_item_id: int | None
    ) -> TranscriptPublic:
        await load_managed(self.session, meeting_id, self.ctx.principal)
        if agenda_item_id is not None:
            item = await self.session.get(AgendaItem, agenda_item_id)
            if item is None or item.meeting_id != meeting_id:
                raise NotFound("Agenda item", "mục chương trình", agenda_item_id)
        fmt, text = decode(filename, content)
        try:
            turns = parse(text, fmt)
        except InvalidTranscript as exc:
            raise Invalid(exc.message_en, exc.message_vi) from None
        transcript = Transcript(
            meeting_id=meeting_id,
            agenda_item_id=agenda_item_id,
            filename=filename[-255:],
            format=fmt,
            created_by=self.ctx.principal.id,
            turn_count=len(turns),
        )
        self.session.add(transcript)
        await self.session.flush()
        assert transcript.id is not None
        transcript_id = transcript.id
        self.session.add_all(
            TranscriptTurn(
                transcript_id=transcript_id,
                meeting_id=meeting_id,
                agenda_item_id=agenda_item_id,
                position=position,
                speaker=turn.speaker[:200],
                start_ms=turn.start_ms,
                end_ms=turn.end_ms,
                text=turn.text,
            )
            for position, turn in enumerate(turns)
        )
        public = transcript_public(transcript)
        audience = await transcript_audience(self.session, meeting_id)
        await self.ctx.emit(meeting_id, TranscriptAdded(transcript=public.model_dump(mode="json")), audience)
        audit(
            self.session,
            self.ctx.principal.id,
            "transcript.add",
            "transcript",
            transcript_id,
            meeting_id=meeting_id,
            filename=public.filename,
            format=fmt,
            turns=len(turns),
            agenda_item_id=agenda_item_id,
        )
        self._after_commit(transcript_id)
        await self.session.commit()
        return public

    async def list(self, meeting_id: int) -> list[TranscriptPublic]:
        await self._readable(meeting_id)
        rows = await self.session.exec(
            select(Transcript).where(Transcript.meeting_id == meeting_id).order_by(col(Transcript.id))
        )
        return [transcript_public(t) for t in rows.all()]

    async def detail(self, meeting_id: int, transcript_id: int) -> TranscriptDetail:
        await self._readable(meeting_id)
        transcript = await self._load(meeting_id, transcript_id)
        rows = await self.session.exec(
            select(TranscriptTurn)
            .where(TranscriptTurn.transcript_id == transcript_id)
            .order_by(col(TranscriptTurn.position))
        )
        turns = [TurnPublic.model_validate(t, from_attributes=True) for t in rows.all()]
        recorded = await self.session.exec(
            select(Recording.id).where(Recording.transcript_id == transcript_id, col(Recording.audio_path).is_not(None))
        )
        audio = recorded.first() is not None
        return TranscriptDetail(**transcript_public(transcript).model_dump(), turns=turns, audio=audio)

    async def remove(self, meeting_id: int, transcript_id: int) -> None:
        await load_managed(self.session, meeting_id, self.ctx.principal)
        transcript = await self._load(meeting_id, transcript_id)
        await self.session.exec(delete(TranscriptTurn).where(col(TranscriptTurn.transcript_id) == transcript_id))
        await self.session.delete(transcript)
        audience = await transcript_audience(self.session, meeting_id)
        await self.ctx.emit(meeting_id, TranscriptRemoved(transcript_id=transcript_id), audience)
        audit(
            self.session,
            self.ctx.principal.id,
            "transcript.remove",
            "transcript",
            transcript_id,
            meeting_id=meeting_id,
            filename=transcript.filename,
        )
        self._after_commit(transcript_id)
        await self.session.commit()

    async def _load(self, meeting_id: int, transcript_id: int) -> Transcript:
        transcript = await self.session.get(Transcript, transcript_id)
        if transcript is None or transcript.meeting_id != meeting_id:
            raise NotFound("Transcript", "bản ghi lời phát biểu", transcript_id)
        return transcript

    def _after_commit(self, transcript_id: int) -> None:
        self.ctx.reindex_after_commit("transcript", transcript_id)
