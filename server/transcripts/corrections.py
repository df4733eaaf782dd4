"""The secretary's corrections of a transcript turn: who spoke, and what was said.

A recogniser mishears names and figures, and an imported file may have filed a turn under the wrong person.
The meeting's secretary (or an administrator) corrects a turn's speaker or its text; every correction keeps
the turn as it was before it (TranscriptTurnRevision, the first one being what the transcriber or the file
said), is audited, reaches everyone who reads the transcript as a ``transcript.turn`` event, and is
re-indexed for the assistant after the commit.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import audit
from server.auth.models import User
from server.errors import Forbidden, Invalid, NotFound
from server.events import TranscriptTurnChanged
from server.live.context import ChangeContext
from server.meetings.access import load_access
from server.meetings.models import MeetingRole, Participant
from server.transcripts.models import Transcript, TranscriptTurn, TranscriptTurnRevision
from server.transcripts.schemas import TurnPublic
from server.transcripts.service import may_read_transcripts, transcript_audience

MAX_TURN_CHARS = 20_000
"""A corrected turn's text at most: a long speech, not a document."""


class TurnEdit(BaseModel):
    """What the secretary changes of a turn: its speaker (a participant), its text, or both."""

    speaker_user_id: int | None = Field(default=None, description="The participant who spoke the turn")
    text: str | None = Field(
        default=None, max_length=MAX_TURN_CHARS, description="The corrected words (whitespace is collapsed)"
    )


class TurnRevisionPublic(BaseModel):
    """A turn as it was before a correction; the first is the original."""

    text: str
    speaker: str
    edited_by: str | None = Field(description="Who made the correction that replaced this version")
    edited_at: str


class TurnEditor:
    def __init__(self, session: AsyncSession, ctx: ChangeContext) -> None:
        self.session = session
        self.ctx = ctx

    async def edit(self, meeting_id: int, transcript_id: int, turn_id: int, data: TurnEdit) -> TurnPublic:
        """Correct the turn's speaker and/or text; a change to neither is refused and changes nothing."""
        await self._check_editor(meeting_id)
        turn = await self._turn(meeting_id, transcript_id, turn_id)
        text = " ".join(data.text.split()) if data.text is not None else None
        if data.speaker_user_id is None and data.text is None:
            raise Invalid("Give the turn's speaker_user_id or text", "Cần speaker_user_id hoặc text của lượt")
        if text == "":
            raise Invalid("A turn's text cannot be empty", "Nội dung lượt phát biểu không được để trống")
        speaker = await self._participant(meeting_id, data.speaker_user_id) if data.speaker_user_id else None
        before = (turn.speaker, turn.speaker_user_id, turn.text)
        if speaker is not None:
            turn.speaker, turn.speaker_user_id = speaker.display_name[:200], speaker.id
        if text is not None:
            turn.text = text
        if (turn.speaker, turn.speaker_user_id, turn.text) == before:
            return TurnPublic.model_validate(turn, from_attributes=True)
        revision = TranscriptTurnRevision(
            turn_id=turn_id, text=before[2], speaker=before[0], edited_by=self.ctx.principal.id
        )
        self.session.add(revision)
        turn.edits += 1
        self.session.add(turn)
        await self.session.flush()
        public = TurnPublic.model_validate(turn, from_attributes=True)
        audience = await transcript_audience(self.session, meeting_id)
        event = TranscriptTurnChanged(transcript_id=transcript_id, turn=public.model_dump(mode="json"))
        await self.ctx.emit(meeting_id, event, audience)
        audit(
            self.session,
            self.ctx.principal.id,
            "transcript.turn",
            "transcript_turn",
            turn_id,
            meeting_id=meeting_id,
            transcript_id=transcript_id,
            revision_id=revision.id,
            speaker_before=before[0],
            speaker_user_id_before=before[1],
            speaker=turn.speaker,
            speaker_user_id=turn.speaker_user_id,
            text_changed=turn.text != before[2],
        )
        self.ctx.reindex_after_commit("transcript", transcript_id)
        await self.session.commit()
        return public

    async def revisions(self, meeting_id: int, transcript_id: int, turn_id: int) -> list[TurnRevisionPublic]:
        """The turn's earlier versions, oldest (the original) first, to those who read the transcript."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if not may_read_transcripts(access):
            raise Forbidden("Guests do not read the meeting's transcripts", "Khách mời không xem được bản ghi")
        await self._turn(meeting_id, transcript_id, turn_id)
        rows = (
            await self.session.exec(
                select(TranscriptTurnRevision, User.full_name, User.username)
                .join(User, col(User.id) == col(TranscriptTurnRevision.edited_by), isouter=True)
                .where(TranscriptTurnRevision.turn_id == turn_id)
                .order_by(col(TranscriptTurnRevision.id))
            )
        ).all()
        return [
            TurnRevisionPublic(
                text=row.text,
                speaker=row.speaker,
                edited_by=User.name_of(full_name, username) if username is not None else None,
                edited_at=row.edited_at.isoformat(),
            )
            for row, full_name, username in rows
        ]

    async def _check_editor(self, meeting_id: int) -> None:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if not (self.ctx.principal.is_admin or access.meeting_role is MeetingRole.secretary):
            raise Forbidden(
                "Only the meeting's secretary corrects its transcripts",
                "Chỉ thư ký cuộc họp được sửa bản ghi lời nói",
            )

    async def _turn(self, meeting_id: int, transcript_id: int, turn_id: int) -> TranscriptTurn:
        turn = await self.session.get(TranscriptTurn, turn_id)
        transcript = await self.session.get(Transcript, transcript_id)
        if turn is None or transcript is None or turn.transcript_id != transcript_id or turn.meeting_id != meeting_id:
            raise NotFound("Transcript turn", "lượt phát biểu", turn_id)
        return turn

    async def _participant(self, meeting_id: int, user_id: int) -> User:
        participant = (
            await self.session.exec(
                select(Participant).where(Participant.meeting_id == meeting_id, Participant.user_id == user_id)
            )
        ).first()
        user = await self.session.get(User, user_id)
        if participant is None or user is None:
            raise Invalid(
                "The speaker must be a participant of the meeting", "Người phát biểu phải là thành viên cuộc họp"
            )
        return user
