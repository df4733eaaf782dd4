"""Recording table: one uploaded recording of a meeting, from queued to transcribed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class RecordingStatus(StrEnum):
    capturing = "capturing"  # the console's microphone is sending it, chunk by chunk
    queued = "queued"  # stored, waiting for the speech worker
    transcribing = "transcribing"  # the worker is on it; ``progress_ms`` of the audio is in the transcript
    done = "done"
    failed = "failed"  # ``error`` says why


WAITING = (RecordingStatus.queued, RecordingStatus.transcribing)
LIVE_FILENAME_PREFIX = "ghi-am-truc-tiep-"  # ghi âm trực tiếp: live recording
"""A live capture's file name starts so (an upload's is the uploader's): its turns are captions as well."""


class Recording(SQLModel, table=True):
    __tablename__ = "recording"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    # every turn goes under this item when set; else under the item current when it was spoken
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    filename: str = Field(max_length=255)
    # under the settings' recording_dir (``<meeting_id>/<name>``); None once retention deleted the audio
    audio_path: str | None = Field(default=None, max_length=300)
    size_bytes: int = 0
    format: str = Field(default="", max_length=32)
    duration_ms: int | None = None
    # when the audio starts, so each turn is filed under the floor and agenda of its moment; None: unknown
    recorded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    status: RecordingStatus = Field(default=RecordingStatus.queued, sa_type=String(16), index=True)
    error: str | None = Field(default=None, max_length=500)
    transcript_id: int | None = Field(default=None, foreign_key="transcript.id", ondelete="SET NULL")
    # how far into the audio the transcript is committed: a restart resumes here
    progress_ms: int = 0
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
