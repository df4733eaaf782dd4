"""Transcript and TranscriptTurn tables: one uploaded transcript and its speaker turns, in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Transcript(SQLModel, table=True):
    __tablename__ = "transcript"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", index=True, ondelete="SET NULL")
    filename: str = Field(max_length=255)
    format: str = Field(max_length=8)  # text | vtt | srt
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    turn_count: int = 0


class TranscriptTurn(SQLModel, table=True):
    """One speaker's turn; meeting and item are copied from the transcript so turns are queried directly."""

    __tablename__ = "transcript_turn"

    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    position: int  # 0-based order in the transcript
    speaker: str = Field(max_length=200)
    # who the speaker is, when known (a recording's turns; a turn the secretary reassigned)
    speaker_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    start_ms: int | None = None
    end_ms: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    edits: int = 0
    """How many times the secretary corrected the text; each earlier text is a TranscriptTurnRevision."""


class TranscriptTurnRevision(SQLModel, table=True):
    """A turn's text (and speaker) as it was before a correction: the first one of a turn is what the
    transcriber or the imported file said, kept whatever the corrections after it."""

    __tablename__ = "transcript_turn_revision"

    id: int | None = Field(default=None, primary_key=True)
    turn_id: int = Field(foreign_key="transcript_turn.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    speaker: str = Field(max_length=200)
    edited_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    edited_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
