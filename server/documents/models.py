"""Document (tài liệu), its versions, page texts and who may read a confidential one."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, String, Text, UniqueConstraint
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


class TextSource(StrEnum):
    text = "text"  # the PDF's own text layer
    ocr = "ocr"  # read from the page image by OCR (a scanned page)


class OcrStatus(StrEnum):
    pending = "pending"  # queued: the page is readable as an image, its text follows
    done = "done"
    failed = "failed"  # OCR could not read it (the reason is in ocr_error); the rest of the document is unaffected


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
    # OCR of the current version's scanned pages: how many there are, and how many are finished (failed included)
    ocr_total: int = 0
    ocr_done: int = 0
    ocr_failed: int = 0
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
    ocr_total: int = 0
    ocr_done: int = 0
    ocr_failed: int = 0
    # the stored copy with an invisible text layer over the scanned pages (downloads get it), once OCR is done
    ocr_sha256: str | None = Field(default=None, max_length=64, index=True)


class DocumentPage(SQLModel, table=True):
    __tablename__ = "document_page"
    __table_args__ = (UniqueConstraint("version_id", "page"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="document_version.id", index=True, ondelete="CASCADE")
    page: int
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: TextSource = Field(default=TextSource.text, sa_type=String(8))
    # set on scanned pages only; the OCR worker's restart-safe queue is the pending ones
    ocr_status: OcrStatus | None = Field(default=None, sa_type=String(16), index=True)
    confidence: float | None = None  # OCR's mean word confidence, 0..1
    ocr_error: str | None = Field(default=None, max_length=300)
    # this page's invisible text from OCR, kept until the searchable copy of the whole version is written
    text_layer: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class DocumentReader(SQLModel, table=True):
    """A user named on a confidential document."""

    __tablename__ = "document_reader"

    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
