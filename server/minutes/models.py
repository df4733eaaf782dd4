"""Minutes (biên bản) of a meeting and its versions.

One ``Minutes`` row per meeting holds the state (draft or approved) and the current version number; each
draft, edit and reopening adds a ``MinutesVersion`` with the whole content (JSON of
``assistant.minutes_content.MinutesContent``), who made it and when. An approved version keeps its signed
PDF, so what was signed can always be fetched again, even after the minutes were reopened.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class MinutesStatus(StrEnum):
    draft = "draft"  # dự thảo: the secretary edits it
    approved = "approved"  # đã duyệt: read-only, signed


class VersionKind(StrEnum):
    drafted = "drafted"  # built from the record
    edited = "edited"  # saved from the console
    reopened = "reopened"  # approval withdrawn by the chair (the content is the approved one's)


class Minutes(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True, ondelete="CASCADE")
    status: MinutesStatus = Field(default=MinutesStatus.draft, sa_type=String(16))
    # the number of the current MinutesVersion; the version check of every change compares with it
    version: int = 0
    language: str = Field(default="vi", max_length=8)
    approved_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MinutesVersion(SQLModel, table=True):
    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    number: int
    kind: VersionKind = Field(sa_type=String(16))
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # set on the version the chair approved
    approved_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    signed_pdf: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
