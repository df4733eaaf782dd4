"""Document (tài liệu), its versions, page texts and who may read a confidential one."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Classification(StrEnum):
    public = "public"  # công khai: every participant, guests included
    internal = "internal"  # nội bộ: participants other than guests
    confidential = "confidential"  # mật: chair, secretary and the named users only


class DocumentStatus(StrEnum):
    processing = "processing"
    ready = "ready"
    failed = "failed"


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    title: str = Field(max_length=500)
    classification: Classification = Field(default=Classification.internal, sa_type=String(16))
    # the version readers get by default (the newest upload), with its status and size copied here
    # so lists, snapshots and events need no join
    current_version: int = 1
    status: DocumentStatus = Field(default=DocumentStatus.processing, sa_type=String(16))
    page_count: int = 0
    # the current version's passages are in the assistant's index (set after the index is on disk,
    # cleared by a new version; on start the index is reconciled with this, never the other way)
    searchable: bool = False
    version: int = 1  # optimistic-concurrency counter of the metadata
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DocumentVersion(SQLModel, table=True):
    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True, ondelete="CASCADE")
    number: int
    sha256: str = Field(max_length=64, index=True)
    size: int
    filename: str = Field(max_length=300)
    page_count: int
    pdf_title: str | None = Field(default=None, max_length=500)
    pdf_author: str | None = Field(default=None, max_length=300)
    status: DocumentStatus = Field(default=DocumentStatus.processing, sa_type=String(16), index=True)
    error: str | None = Field(default=None, max_length=1000)
    uploaded_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    processed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class DocumentPage(SQLModel, table=True):
    __tablename__ = "document_page"
    __table_args__ = (UniqueConstraint("version_id", "page"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="document_version.id", index=True, ondelete="CASCADE")
    page: int
    text: str = Field(default="", sa_column=Column(Text, nullable=False))


class DocumentReader(SQLModel, table=True):
    """A user named on a confidential document."""

    __tablename__ = "document_reader"

    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
