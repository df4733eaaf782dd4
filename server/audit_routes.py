"""Reading the audit log (administrators only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, get
from litestar.params import FromQuery
from pydantic import BaseModel
from sqlmodel import col, select

from server.audit import AuditEntry
from server.auth.guards import admin_only
from server.db import DbSession


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: int | None
    meeting_id: int | None
    detail: dict[str, Any]


@get("/api/audit", guards=[admin_only], tags=["system"])
async def list_audit(
    request: Request,
    db_session: DbSession,
    meeting_id: FromQuery[int | None] = None,
    action: FromQuery[str | None] = None,
    limit: FromQuery[int] = 200,
) -> list[AuditPublic]:
    """Newest first; reads (page views, downloads) appear within a second of happening."""
    await request.app.state.audit.flush()
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(max(1, min(limit, 1000)))
    if meeting_id is not None:
        query = query.where(AuditEntry.meeting_id == meeting_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    rows = (await db_session.exec(query)).all()
    return [AuditPublic.model_validate(row, from_attributes=True) for row in rows]
