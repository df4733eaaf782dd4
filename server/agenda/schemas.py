"""What goes in and out of the agenda API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from server.agenda.models import ItemStatus


class AgendaItemCreate(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=5000)
    presenter: str = Field(default="", max_length=200)
    presenter_user_id: int | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    speaking_limit_seconds: int | None = Field(
        default=None, ge=0, le=24 * 3600, description="Speaking time per speech (None: default; 0: no limit)"
    )
    parent_id: int | None = Field(default=None, description="Make this a sub-item of a top-level item")


class AgendaItemUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    presenter: str | None = Field(default=None, max_length=200)
    presenter_user_id: int | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    speaking_limit_seconds: int | None = Field(
        default=None, ge=0, le=24 * 3600, description="Speaking time per speech (None: default; 0: no limit)"
    )
    status: ItemStatus | None = Field(default=None, description="pending, done or skipped (current: use /current)")
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")


class AgendaReorder(BaseModel):
    parent_id: int | None = Field(default=None, description="The level to order: None for the top level")
    item_ids: list[int] = Field(
        min_length=1,
        max_length=500,
        description="Every item of that level, in the new order (may bring items in)",
    )


class AgendaItemPublic(BaseModel):
    id: int
    parent_id: int | None
    position: int
    title: str
    description: str
    presenter: str
    presenter_user_id: int | None
    duration_minutes: int | None
    speaking_limit_seconds: int | None
    status: ItemStatus
    version: int


def item_public(item: Any) -> AgendaItemPublic:
    return AgendaItemPublic.model_validate(item, from_attributes=True)
