"""Opinion (ý kiến) and OpinionRequest (phiếu lấy ý kiến) tables.

A target is a draft document or an agenda item; ``target`` spells it as one
string (``document:12``, ``agenda_item:5``) so one unique constraint keeps one
current opinion per person per target, which nullable columns could not.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Stance(StrEnum):
    agree = "agree"  # đồng ý
    disagree = "disagree"  # không đồng ý
    other = "other"  # ý kiến khác


class Opinion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "target", name="uq_opinion_user_target"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    target: str = Field(max_length=40, index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    stance: Stance = Field(sa_type=String(16))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class OpinionRequest(SQLModel, table=True):
    """The chair or secretary asks every member for an opinion on a target, until ``deadline``."""

    __tablename__ = "opinion_request"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    target: str = Field(max_length=40, unique=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="CASCADE")
    question: str = Field(default="", max_length=1000)
    deadline: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    version: int = 1
