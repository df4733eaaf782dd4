"""Conclusion (kết luận) per agenda item and Task (giao việc) assigned from a meeting."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Conclusion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int = Field(foreign_key="agenda_item.id", unique=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    version: int = 1


class TaskStatus(StrEnum):
    open = "open"  # chưa thực hiện
    in_progress = "in_progress"  # đang thực hiện
    done = "done"  # hoàn thành
    cancelled = "cancelled"  # huỷ


OPEN_STATUSES = (TaskStatus.open, TaskStatus.in_progress)


class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    title: str = Field(max_length=500)
    assigned_unit: str = Field(default="", max_length=300)
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    deadline: dt.date | None = None
    status: TaskStatus = Field(default=TaskStatus.open, sa_type=String(16), index=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    version: int = 1
