"""What goes in and out of the assistant and search API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000)
    meeting_id: int | None = Field(default=None, description="The meeting asked about (with scope `meeting`)")
    scope: Literal["meeting", "all"] | None = Field(
        default=None,
        description="`meeting`: the materials of `meeting_id`; `all`: everything the asker may read, this meeting "
        "and earlier ones. Default: `meeting` when `meeting_id` is given, else `all`.",
    )
    agenda_item_id: int | None = Field(default=None, description="Narrow to one agenda item's documents")
    document_id: int | None = Field(default=None, description="Narrow to one document")
    language: Literal["vi", "en"] | None = Field(
        default=None, description="Language of the answer; default: the question's, else the request's"
    )


class CitationPublic(BaseModel):
    document_id: int
    meeting_id: int
    title: str
    page: int
    snippet: str
    score: float


class AskResponse(BaseModel):
    question: str
    answer: str
    found: bool = Field(description="False when the materials do not hold the answer")
    language: str
    citations: list[CitationPublic]
    phrased_by: Literal["extract", "llm"]
    took_ms: float


class QuestionPublic(BaseModel):
    id: int
    question: str
    answer: str
    found: bool
    meeting_id: int | None
    citations: list[CitationPublic]
    created_at: datetime


class SearchHitPublic(CitationPublic):
    highlights: list[tuple[int, int]] = Field(description="(start, end) offsets in `snippet` of the query's words")


class SearchResponse(BaseModel):
    query: str
    hits: list[SearchHitPublic]
    took_ms: float


class SummarySentence(BaseModel):
    page: int
    text: str
    score: float


class DocumentSummary(BaseModel):
    document_id: int
    version: int
    sentences: list[SummarySentence] = Field(description="Key sentences in document order, each with its page")
