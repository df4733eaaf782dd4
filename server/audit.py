"""The system-wide audit log: who did what, to what, when. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from server.db import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(max_length=32)
    target_id: int | None = None
    meeting_id: int | None = Field(default=None, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def audit(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    meeting_id: int | None = None,
    **detail: Any,
) -> None:
    """Add an audit row to the session's transaction (kept only if the change commits)."""
    session.add(
        AuditEntry(
            at=utcnow(),  # given, not left to the default factory: pydantic inspects a factory's signature per call
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            meeting_id=meeting_id,
            detail=detail,
        )
    )
