"""SpeakerRequest table: one request to speak, from waiting in the queue to the logged speech."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, text
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class SpeakerStatus(StrEnum):
    waiting = "waiting"  # in the queue
    speaking = "speaking"  # has the floor now
    done = "done"  # spoke; started_at and ended_at are the speech, kept for the minutes
    withdrawn = "withdrawn"  # taken back by the requester while waiting
    removed = "removed"  # taken off the queue by the chair or secretary
    lapsed = "lapsed"  # still waiting when the meeting moved on from its item, or closed


ACTIVE = (SpeakerStatus.waiting, SpeakerStatus.speaking)
_ACTIVE_SQL = text("status IN ('waiting', 'speaking')")
_SPEAKING_SQL = text("status = 'speaking'")


class SpeakerRequest(SQLModel, table=True):
    __tablename__ = "speaker_request"
    __table_args__ = (
        # the database, not only the service, keeps one speaker per meeting and one live request per person
        Index(
            "uq_speaker_request_speaking",
            "meeting_id",
            unique=True,
            sqlite_where=_SPEAKING_SQL,
            postgresql_where=_SPEAKING_SQL,
        ),
        Index(
            "uq_speaker_request_active",
            "meeting_id",
            "user_id",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    status: SpeakerStatus = Field(default=SpeakerStatus.waiting, sa_type=String(16))
    # order in the queue (waiting requests, lowest first, ties by id); set by the service
    position: int = 0
    requested_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # the speaking limit fixed when the speech started (None: no limit)
    limit_seconds: int | None = None
