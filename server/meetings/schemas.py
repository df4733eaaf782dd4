"""What goes in and out of the meetings and participants API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from server.meetings.models import Attendance, MeetingRole, MeetingStatus


class MeetingCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    location: str = Field(default="", max_length=300)
    starts_at: datetime | None = None


class MeetingUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    location: str | None = Field(default=None, max_length=300)
    starts_at: datetime | None = None
    quorum_ratio: float | None = Field(
        default=None,
        ge=0,
        lt=1,
        description="Quorum: more than this share of the voting members present (0.5: more than half)",
    )
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")


class MeetingPublic(BaseModel):
    id: int
    title: str
    description: str
    location: str
    starts_at: datetime | None
    status: MeetingStatus
    started_at: datetime | None
    closed_at: datetime | None
    current_item_id: int | None
    quorum_ratio: float
    version: int
    last_seq: int


class MeetingSummary(MeetingPublic):
    my_role: MeetingRole | None = None


class ParticipantCreate(BaseModel):
    username: str | None = Field(default=None, min_length=1, max_length=64)
    user_id: int | None = None
    role: MeetingRole = MeetingRole.delegate

    @model_validator(mode="after")
    def one_identity(self) -> ParticipantCreate:
        if (self.username is None) == (self.user_id is None):
            raise ValueError("give exactly one of username or user_id")
        return self


class ParticipantUpdate(BaseModel):
    role: MeetingRole | None = None
    attendance: Attendance | None = None
    delegated_to_user_id: int | None = Field(
        default=None, description='With attendance "delegated": the user who attends in their place'
    )
    delegated_to_username: str | None = Field(default=None, min_length=1, max_length=64)
    attendance_note: str | None = Field(
        default=None, max_length=300, description="With attendance absent or excused: the reason, for the minutes"
    )

    @model_validator(mode="after")
    def delegation_needs_delegated(self) -> ParticipantUpdate:
        named = self.delegated_to_user_id is not None or self.delegated_to_username is not None
        if self.delegated_to_user_id is not None and self.delegated_to_username is not None:
            raise ValueError("give at most one of delegated_to_user_id or delegated_to_username")
        if self.attendance == Attendance.delegated and not named:
            raise ValueError('attendance "delegated" needs delegated_to_user_id or delegated_to_username')
        if named and self.attendance != Attendance.delegated:
            raise ValueError('delegated_to_* goes with attendance "delegated"')
        if self.attendance_note and self.attendance not in (Attendance.absent, Attendance.excused):
            raise ValueError('attendance_note goes with attendance "absent" or "excused"')
        return self


class ParticipantPublic(BaseModel):
    id: int
    user_id: int
    username: str
    full_name: str
    role: MeetingRole
    attendance: Attendance
    checked_in_at: datetime | None
    delegated_to_user_id: int | None = None
    delegated_to_name: str | None = None
    attendance_note: str = ""


def meeting_public(meeting: Any) -> MeetingPublic:
    return MeetingPublic.model_validate(meeting, from_attributes=True)
