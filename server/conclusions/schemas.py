"""What goes in and out of the conclusions and tasks API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from server.conclusions.models import TaskStatus


class ConclusionWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    text: str = Field(max_length=10000, description="The conclusion of the item; empty clears it")
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")


class ConclusionPublic(BaseModel):
    agenda_item_id: int
    text: str
    updated_by: int | None
    updated_at: dt.datetime
    version: int


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    title: str = Field(min_length=1, max_length=500)
    agenda_item_id: int | None = Field(default=None, description="The item it comes from, if any")
    assigned_unit: str = Field(default="", max_length=300, description="Đơn vị chủ trì, as text")
    assignee_id: int | None = Field(default=None, description="The person responsible (a user)")
    deadline: dt.date | None = None
    note: str = Field(default="", max_length=5000)


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    title: str | None = Field(default=None, min_length=1, max_length=500)
    agenda_item_id: int | None = None
    assigned_unit: str | None = Field(default=None, max_length=300)
    assignee_id: int | None = None
    deadline: dt.date | None = None
    status: TaskStatus | None = Field(default=None, description="The assignee may change this field only")
    note: str | None = Field(default=None, max_length=5000)
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")


class TaskPublic(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    title: str
    assigned_unit: str
    assignee_id: int | None
    assignee_name: str | None = Field(description="Full name (or username) of the assignee")
    deadline: dt.date | None
    status: TaskStatus
    note: str
    overdue: bool = Field(description="Open or in progress, and the deadline has passed")
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
