"""What goes in and out of the opinions API."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server.opinions.models import Stance


def target_key(document_id: int | None, agenda_item_id: int | None) -> str:
    return f"document:{document_id}" if document_id is not None else f"agenda_item:{agenda_item_id}"


def parse_target(key: str) -> tuple[int | None, int | None]:
    """``(document_id, agenda_item_id)`` of a target key."""
    kind, _, ident = key.partition(":")
    return (int(ident), None) if kind == "document" else (None, int(ident))


class OpinionTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    document_id: int | None = Field(default=None, description="A draft document of the meeting")
    agenda_item_id: int | None = Field(default=None, description="Or an agenda item of the meeting")

    @model_validator(mode="after")
    def exactly_one_target(self) -> Self:
        if (self.document_id is None) == (self.agenda_item_id is None):
            raise ValueError("give exactly one of document_id and agenda_item_id")
        return self

    @property
    def target(self) -> str:
        return target_key(self.document_id, self.agenda_item_id)


class OpinionSubmit(OpinionTarget):
    stance: Stance = Field(description="agree | disagree | other")
    text: str = Field(default="", max_length=5000, description="The written opinion (required for other)")

    @model_validator(mode="after")
    def other_needs_text(self) -> Self:
        if self.stance is Stance.other and not self.text.strip():
            raise ValueError("an 'other' opinion needs a text")
        return self


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("deadline needs a time zone (e.g. 2026-12-31T17:00:00+07:00)")
    return value


class OpinionRequestCreate(OpinionTarget):
    question: str = Field(default="", max_length=1000, description="What members are asked")
    deadline: datetime | None = Field(default=None, description="After this, opinions are refused (409)")

    _check_deadline = field_validator("deadline")(_aware)


class OpinionRequestUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    question: str | None = Field(default=None, max_length=1000)
    deadline: datetime | None = Field(default=None, description="null: no deadline")
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")

    _check_deadline = field_validator("deadline")(_aware)


class OpinionRequestPublic(BaseModel):
    id: int
    target: str
    document_id: int | None
    agenda_item_id: int | None
    question: str
    deadline: datetime | None
    created_by: int | None
    created_at: datetime
    version: int


class OpinionCounts(BaseModel):
    target: str
    document_id: int | None
    agenda_item_id: int | None
    agree: int = 0
    disagree: int = 0
    other: int = 0


class OpinionPublic(BaseModel):
    target: str
    document_id: int | None
    agenda_item_id: int | None
    stance: Stance
    text: str
    updated_at: datetime


class NamedOpinion(OpinionPublic):
    user_id: int
    username: str
    full_name: str


class MyOpinions(BaseModel):
    mine: list[OpinionPublic] = Field(description="Your own current opinions in this meeting")
    counts: list[OpinionCounts] = Field(description="Counts per target you may see")
    requests: list[OpinionRequestPublic]


class OpinionSummary(BaseModel):
    """For the chair and the secretary: counts and every text with its author, per target."""

    counts: list[OpinionCounts]
    opinions: list[NamedOpinion]
    requests: list[OpinionRequestPublic]
