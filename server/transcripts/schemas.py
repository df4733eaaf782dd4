"""What goes out of the transcripts API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from server.documents.schemas import VectorProgress


class TranscriptPublic(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    filename: str
    format: str
    created_by: int | None
    created_at: datetime
    turn_count: int
    searchable: bool = Field(
        default=False, description="Its turns are in the search index: the assistant and search find them now"
    )
    vectors: VectorProgress | None = Field(
        default=None,
        description="How many of its passages have their meaning vector (None: not indexed yet, or no model)",
    )


class TurnPublic(BaseModel):
    id: int
    position: int
    speaker: str
    speaker_user_id: int | None = Field(default=None, description="The speaker as a user, when known")
    agenda_item_id: int | None = Field(default=None, description="The agenda item the turn was spoken under")
    start_ms: int | None
    end_ms: int | None
    text: str
    edits: int = Field(default=0, description="Corrections made; GET .../turns/{id}/revisions gives the texts before")


class TranscriptDetail(TranscriptPublic):
    turns: list[TurnPublic]
    audio: bool = Field(
        default=False, description="Its sound is kept: each timed turn plays from GET .../turns/{id}/audio"
    )
