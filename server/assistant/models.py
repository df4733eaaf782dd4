"""A question asked of the assistant (câu hỏi trợ lý ảo), kept so the asker sees their recent ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class AssistantQuestion(SQLModel, table=True):
    __tablename__ = "assistant_question"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True, ondelete="CASCADE")
    question: str = Field(max_length=1000)
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    found: bool = False
    # the citations as answered ([{document_id, page, ...}]), JSON text: shown again from history
    citations: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
