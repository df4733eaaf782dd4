"""What goes in and out of the floor API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from server.floor.models import SpeakerRequest, SpeakerStatus


class SpeakerRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    agenda_item_id: int | None = Field(
        default=None, description="The item to speak on; default: the item under discussion"
    )
    user_id: int | None = Field(
        default=None, description="Chair or secretary only: put another participant on the queue"
    )


class SpeakerReorder(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    request_ids: list[int] = Field(
        min_length=1, max_length=1000, description="Every waiting request of the meeting, in the new order"
    )


class SpeakerRequestPublic(BaseModel):
    id: int
    user_id: int
    agenda_item_id: int | None
    status: SpeakerStatus
    position: int
    requested_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    limit_seconds: int | None = Field(description="Speaking limit of this speech (None: no limit)")


class FloorPublic(BaseModel):
    queue: list[SpeakerRequestPublic] = Field(description="Waiting requests, first to speak first")
    speaking: SpeakerRequestPublic | None = Field(description="Who has the floor (started_at + limit_seconds)")
    speeches: list[SpeakerRequestPublic] = Field(description="Finished speeches, in the order they were given")
    default_limit_seconds: int | None = Field(description="Limit when the item sets none (None: no limit)")


def request_public(request: SpeakerRequest) -> SpeakerRequestPublic:
    return SpeakerRequestPublic.model_validate(request, from_attributes=True)
