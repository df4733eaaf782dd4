"""Private notes: only their author ever reads or writes them.

No route takes a note id or a user id: every call acts on the caller's own
notes, so nobody (not the secretary, not an administrator) can address
another's. Writing one needs the right to read the document.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import audit
from server.db import utcnow
from server.documents.access import load_readable
from server.errors import Invalid
from server.events import NoteChanged
from server.live.context import ChangeContext
from server.notes.models import PrivateNote
from server.notes.schemas import NotePublic, NoteWrite


async def note_counts(session: AsyncSession, user_id: int, document_ids: set[int]) -> list[dict[str, int]]:
    """The snapshot's ``my_notes``: how many pages of each readable document carry the user's notes."""
    if not document_ids:
        return []
    rows = await session.exec(
        select(PrivateNote.document_id, func.count())
        .where(PrivateNote.user_id == user_id, col(PrivateNote.document_id).in_(document_ids))
        .group_by(col(PrivateNote.document_id))
    )
    return [{"document_id": document_id, "count": count} for document_id, count in sorted(rows.all())]


class NoteService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def list(self, document_id: int) -> list[NotePublic]:
        await load_readable(self.session, document_id, self.ctx.principal)
        rows = await self.session.exec(
            select(PrivateNote)
            .where(PrivateNote.user_id == self.ctx.principal.id, PrivateNote.document_id == document_id)
            .order_by(col(PrivateNote.page))
        )
        return [NotePublic.model_validate(note, from_attributes=True) for note in rows.all()]

    async def write(self, document_id: int, page: int, data: NoteWrite) -> NotePublic:
        document, _ = await load_readable(self.session, document_id, self.ctx.principal)
        if page < 1 or page > document.page_count:
            raise Invalid(
                f"Page {page} is not a page of this document (1 to {document.page_count})",
                f"Trang {page} không thuộc tài liệu này (1 đến {document.page_count})",
            )
        user_id = self.ctx.principal.id
        now = utcnow() if data.text else None
        if data.text:
            await self._upsert(document_id, page, data.text, now)
        else:
            await self.session.exec(
                delete(PrivateNote).where(
                    col(PrivateNote.user_id) == user_id,
                    col(PrivateNote.document_id) == document_id,
                    col(PrivateNote.page) == page,
                )
            )
        count = (
            await self.session.exec(
                select(func.count()).where(PrivateNote.user_id == user_id, PrivateNote.document_id == document_id)
            )
        ).one()
        event = NoteChanged(document_id=document_id, page=page, count=count, updated_at=now)
        await self.ctx.emit(document.meeting_id, event, audience=[user_id])
        # the audit keeps that a note changed, never what it says
        audit(
            self.session,
            user_id,
            "note.save" if data.text else "note.delete",
            "document",
            document_id,
            meeting_id=document.meeting_id,
            page=page,
            length=len(data.text),
        )
        await self.session.commit()
        return NotePublic(document_id=document_id, page=page, text=data.text, updated_at=now)

    async def _upsert(self, document_id: int, page: int, text: str, now: Any) -> None:
        connection = await self.session.connection()
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(PrivateNote).values(
            user_id=self.ctx.principal.id, document_id=document_id, page=page, text=text, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["user_id", "document_id", "page"], set_={"text": text, "updated_at": now}
        )
        await self.session.exec(statement)
