"""What goes in and out of the assistant and search API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ASK_LIMIT_MAX = 20
"""Citations an ask may ask for at most."""


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
    limit: int = Field(
        default=5,
        description="Citations at most, 1 to 20, in rank order (also the passages shown when the answer is not "
        "found); outside 1..20: 400",
        json_schema_extra={"minimum": 1, "maximum": ASK_LIMIT_MAX},
    )


class CitationPublic(BaseModel):
    document_id: int | None = Field(description="The cited document (None: a record, see `kind`)")
    meeting_id: int
    title: str
    page: int = Field(description="Document page; for a transcript the 1-based turn number")
    snippet: str
    score: float
    kind: str = Field(default="document", description="document | transcript | conclusion | task | poll | minutes")
    source_id: int | None = Field(
        default=None,
        description="The record's key: transcript id, agenda item id (conclusion), task id, poll id, meeting "
        "id (minutes); the document id for a document",
    )
    transcript_id: int | None = None
    turn: int | None = Field(default=None, description="Transcript: 0-based position of the first cited turn")
    turn_last: int | None = Field(
        default=None, description="Transcript: 0-based position of the last cited turn (inclusive)"
    )
    speaker: str | None = None
    speakers: list[str] = Field(
        default_factory=list, description="Transcript: who speaks in the cited turns, in order of first appearance"
    )
    start: str | None = Field(default=None, description="Transcript: when the first cited turn starts, hh:mm:ss")
    end: str | None = Field(default=None, description="Transcript: when the last cited turn ends, hh:mm:ss")
    status: str | None = Field(default=None, description="Task: its current status")
    # structure (issue 18): the section of the document the cited passage belongs to
    heading: str | None = Field(
        default=None,
        description='Document: the innermost heading of the cited passage\'s section ("Điều 143. Quyền của ...", '
        '"2.1 Kết quả"), from the page text or the PDF\'s outline; None before the first heading',
    )


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
