"""AgendaItem table (mục chương trình)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel


class ItemStatus(StrEnum):
    pending = "pending"
    current = "current"
    done = "done"
    skipped = "skipped"


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="CASCADE")
    # order among siblings (same parent), 0-based, kept dense by the service
    position: int = 0
    title: str = Field(max_length=500)
    description: str = Field(default="", max_length=5000)
    presenter: str = Field(default="", max_length=200)
    presenter_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    duration_minutes: int | None = None
    # the floor's speaking time per speech on this item (None: the setting's default; 0: no limit)
    speaking_limit_seconds: int | None = None
    status: ItemStatus = Field(default=ItemStatus.pending, sa_type=String(16))
    version: int = 1
