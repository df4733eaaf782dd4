"""Conclusions per agenda item (kết luận): the chair or secretary sets and edits them."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.agenda.models import AgendaItem
from server.audit import audit
from server.conclusions.models import Conclusion
from server.conclusions.schemas import ConclusionPublic, ConclusionWrite
from server.db import utcnow
from server.errors import NotFound
from server.events import ConclusionSet
from server.live.context import ChangeContext
from server.meetings.access import load_access, load_managed
from server.meetings.rules import check_version, check_version_number, require_open


def conclusion_public(conclusion: Conclusion) -> ConclusionPublic:
    return ConclusionPublic.model_validate(conclusion, from_attributes=True)


async def list_conclusions(session: AsyncSession, meeting_id: int) -> list[ConclusionPublic]:
    rows = await session.exec(
        select(Conclusion).where(Conclusion.meeting_id == meeting_id).order_by(col(Conclusion.agenda_item_id))
    )
    return [conclusion_public(c) for c in rows.all()]


async def conclusions_state(session: AsyncSession, meeting_id: int) -> list[dict[str, Any]]:
    """The snapshot's ``conclusions``, ordered by agenda item id."""
    return [c.model_dump(mode="json") for c in await list_conclusions(session, meeting_id)]


class ConclusionService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def list(self, meeting_id: int) -> list[ConclusionPublic]:
        await load_access(self.session, meeting_id, self.ctx.principal)
        return await list_conclusions(self.session, meeting_id)

    async def set(self, meeting_id: int, item_id: int, data: ConclusionWrite) -> ConclusionPublic | None:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        require_open(meeting)
        item = await self.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFound("Agenda item", "mục chương trình", item_id)
        conclusion = (await self.session.exec(select(Conclusion).where(Conclusion.agenda_item_id == item_id))).first()
        if conclusion is not None:
            await check_version(self.session, conclusion, data.version)
        else:
            check_version_number(0, data.version)
        text = data.text.strip()
        if not text:
            if conclusion is not None:
                await self.session.delete(conclusion)
            public = None
        else:
            if conclusion is None:
                conclusion = Conclusion(meeting_id=meeting_id, agenda_item_id=item_id, text=text, version=0)
            conclusion.text = text
            conclusion.updated_by = self.ctx.principal.id
            conclusion.updated_at = utcnow()
            conclusion.version += 1
            self.session.add(conclusion)
            await self.session.flush()
            public = conclusion_public(conclusion)
        event = ConclusionSet(agenda_item_id=item_id, conclusion=public.model_dump(mode="json") if public else None)
        await self.ctx.emit(meeting_id, event)
        self.ctx.reindex_after_commit("conclusion", item_id)  # conclusions are indexed by their agenda item
        audit(
            self.session,
            self.ctx.principal.id,
            "conclusion.set" if public else "conclusion.clear",
            "agenda_item",
            item_id,
            meeting_id=meeting_id,
            text=text,
        )
        await self.session.commit()
        return public
