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


class ParticipantPublic(BaseModel):
    id: int
    user_id: int
    username: str
    full_name: str
    role: MeetingRole
    attendance: Attendance
    checked_in_at: datetime | None


def meeting_public(meeting: Any) -> MeetingPublic:
    return MeetingPublic.model_validate(meeting, from_attributes=True)
