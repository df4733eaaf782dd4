"""Meeting (cuộc họp) and Participant (đại biểu / thành phần tham dự) tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class MeetingStatus(StrEnum):
    draft = "draft"
    live = "live"
    closed = "closed"


class MeetingRole(StrEnum):
    chair = "chair"  # chủ trì
    secretary = "secretary"  # thư ký
    delegate = "delegate"  # đại biểu
    guest = "guest"  # khách mời: sees, never votes


class Attendance(StrEnum):
    unknown = "unknown"
    present = "present"
    absent = "absent"
    excused = "excused"
    delegated = "delegated"  # ủy quyền: someone else attends in their place (``delegated_to_user_id``)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=5000)
    location: str = Field(default="", max_length=300)
    starts_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    status: MeetingStatus = Field(default=MeetingStatus.draft, sa_type=String(16))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    current_item_id: int | None = None
    # "follow me": the document page the presenter shows on every screen
    presenting_document_id: int | None = None
    presenting_page: int | None = None
    # quorum (túc số): more than this share of the voting members must be present (0.5: more than half)
    quorum_ratio: float = 0.5
    # the seq of the newest event in this meeting's log; bumped in every change's transaction
    last_seq: int = 0
    version: int = 1
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Participant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: MeetingRole = Field(default=MeetingRole.delegate, sa_type=String(16))
    attendance: Attendance = Field(default=Attendance.unknown, sa_type=String(16))
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # attendance "delegated": the user who attends in their place
    delegated_to_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # why they are absent or excused (lý do vắng mặt), for the minutes; cleared with any other attendance
    attendance_note: str = Field(default="", max_length=300)
