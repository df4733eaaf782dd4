"""What goes in and out of the private notes API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NoteWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently dropped

    text: str = Field(max_length=20000, description="The whole note of the page; empty deletes it")


class NotePublic(BaseModel):
    document_id: int
    page: int
    text: str
    updated_at: datetime | None = Field(description="None: the page has no note (deleted)")
