"""Written opinions: submit (one current per person per target), counts, the managers' summary, requests.

Who sees a target: everyone who sees the meeting for an agenda item; the
document's readers (server/documents/access.py) for a document. Counts reach
only them; texts with names only the chair and the secretary.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.agenda.models import AgendaItem
from server.audit import audit
from server.auth.models import User
from server.auth.service import Principal
from server.db import utcnow
from server.documents.access import audience_of, readable_documents, readers_of
from server.documents.models import Classification, Document
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.events import OpinionAdded, OpinionRequested
from server.live.context import ChangeContext
from server.localtime import local_stamp
from server.meetings.access import MeetingAccess, load_access, load_managed
from server.meetings.models import MeetingRole
from server.meetings.rules import check_version, require_open
from server.opinions.models import Opinion, OpinionRequest, Stance
from server.opinions.schemas import (
    MyOpinions,
    NamedOpinion,
    OpinionCounts,
    OpinionPublic,
    OpinionRequestCreate,
    OpinionRequestPublic,
    OpinionRequestUpdate,
    OpinionSubmit,
    OpinionSummary,
    OpinionTarget,
    parse_target,
)


def request_public(request: OpinionRequest) -> OpinionRequestPublic:
    return OpinionRequestPublic.model_validate(request, from_attributes=True)


async def visible_targets(session: AsyncSession, principal: Principal, meeting_id: int) -> set[int]:
    """Ids of the meeting's documents ``principal`` may read (items are visible to every viewer)."""
    return set(await readable_documents(session, principal, meeting_id=meeting_id, ready_only=False))


def _shown(document_id: int | None, readable: set[int]) -> bool:
    return document_id is None or document_id in readable


async def count_opinions(session: AsyncSession, meeting_id: int, target: str | None = None) -> list[OpinionCounts]:
    query = (
        select(Opinion.target, Opinion.stance, func.count())
        .where(Opinion.meeting_id == meeting_id)
        .group_by(col(Opinion.target), col(Opinion.stance))
    )
    if target is not None:
        query = query.where(Opinion.target == target)
    counts: dict[str, OpinionCounts] = {}
    for key, stance, number in (await session.exec(query)).all():
        if key not in counts:
            document_id, item_id = parse_target(key)
            counts[key] = OpinionCounts(target=key, document_id=document_id, agenda_item_id=item_id)
        setattr(counts[key], str(stance), number)
    return [counts[key] for key in sorted(counts)]


class MeetingOpinions:
    """A meeting's opinion requests and counts for every target, before they are cut to what one user may see."""

    __slots__ = ("requests", "counts")

    def __init__(self, requests: list[dict[str, Any]], counts: list[dict[str, Any]]) -> None:
        self.requests = requests
        self.counts = counts

    def visible(self, readable: set[int]) -> dict[str, Any]:
        """The snapshot's ``opinions`` for a user who may read the documents ``readable``."""
        return {
            "requests": [r for r in self.requests if _shown(r["document_id"], readable)],
            "counts": [c for c in self.counts if _shown(c["document_id"], readable)],
        }


async def meeting_opinions(session: AsyncSession, meeting_id: int) -> MeetingOpinions:
    requests = (
        await session.exec(
            select(OpinionRequest).where(OpinionRequest.meeting_id == meeting_id).order_by(col(OpinionRequest.id))
        )
    ).all()
    counts = await count_opinions(session, meeting_id)
    return MeetingOpinions(
        [request_public(r).model_dump(mode="json") for r in requests], [c.model_dump(mode="json") for c in counts]
    )


async def opinions_state(session: AsyncSession, access: MeetingAccess, readable: set[int]) -> dict[str, Any]:
    """The snapshot's ``opinions``: requests and counts on the targets this user may see (no texts)."""
    assert access.meeting.id is not None
    return (await meeting_opinions(session, access.meeting.id)).visible(readable)


class OpinionService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def mine(self, meeting_id: int) -> MyOpinions:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        readable = await visible_targets(self.session, self.ctx.principal, meeting_id)
        rows = await self.session.exec(
            select(Opinion)
            .where(Opinion.meeting_id == meeting_id, Opinion.user_id == self.ctx.principal.id)
            .order_by(col(Opinion.target))
        )
        state = await opinions_state(self.session, access, readable)
        return MyOpinions(
            mine=[
                OpinionPublic.model_validate(o, from_attributes=True)
                for o in rows.all()
                if _shown(o.document_id, readable)
            ],
            counts=[OpinionCounts.model_validate(c) for c in state["counts"]],
            requests=[OpinionRequestPublic.model_validate(r) for r in state["requests"]],
        )

    async def summary(self, meeting_id: int) -> OpinionSummary:
        access = await load_managed(self.session, meeting_id, self.ctx.principal)
        readable = await visible_targets(self.session, self.ctx.principal, meeting_id)
        rows = await self.session.exec(
            select(Opinion, User)
            .join(User, col(User.id) == Opinion.user_id)
            .where(Opinion.meeting_id == meeting_id)
            .order_by(col(Opinion.target), col(Opinion.updated_at), col(Opinion.id))
        )
        state = await opinions_state(self.session, access, readable)
        opinions = [
            NamedOpinion(
                target=o.target,
                document_id=o.document_id,
                agenda_item_id=o.agenda_item_id,
                stance=Stance(o.stance),
                text=o.text,
                updated_at=o.updated_at,
                user_id=o.user_id,
                username=user.username,
                full_name=user.full_name,
            )
            for o, user in rows.all()
            if _shown(o.document_id, readable)
        ]
        return OpinionSummary(
            counts=[OpinionCounts.model_validate(c) for c in state["counts"]],
            opinions=opinions,
            requests=[OpinionRequestPublic.model_validate(r) for r in state["requests"]],
        )

    async def submit(self, meeting_id: int, data: OpinionSubmit) -> OpinionPublic:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        if access.meeting_role is None or access.meeting_role is MeetingRole.guest:
            raise Forbidden(
                "Only participants other than guests may give a written opinion",
                "Chỉ đại biểu tham dự (không phải khách mời) mới được gửi ý kiến",
            )
        audience = await self._check_target(access, data)
        request = (await self.session.exec(select(OpinionRequest).where(OpinionRequest.target == data.target))).first()
        now = utcnow()
        if request is not None and request.deadline is not None and now > request.deadline:
            deadline = local_stamp(request.deadline, self.ctx.timezone)
            raise Conflict(
                f"The deadline for opinions on this passed at {deadline}",
                f"Đã hết hạn gửi ý kiến (hạn {deadline})",
            )
        await self._upsert(meeting_id, data, now)
        counts = await count_opinions(self.session, meeting_id, data.target)
        tally = counts[0] if counts else OpinionCounts(target=data.target, document_id=None, agenda_item_id=None)
        event = OpinionAdded(
            target=data.target,
            document_id=data.document_id,
            agenda_item_id=data.agenda_item_id,
            counts={"agree": tally.agree, "disagree": tally.disagree, "other": tally.other},
        )
        await self.ctx.emit(meeting_id, event, audience=audience)
        audit(
            self.session,
            self.ctx.principal.id,
            "opinion.submit",
            "opinion",
            None,
            meeting_id=meeting_id,
            target=data.target,
            stance=str(data.stance),
        )
        await self.session.commit()
        return OpinionPublic(
            target=data.target,
            document_id=data.document_id,
            agenda_item_id=data.agenda_item_id,
            stance=data.stance,
            text=data.text,
            updated_at=now,
        )

    async def create_request(self, meeting_id: int, data: OpinionRequestCreate) -> OpinionRequestPublic:
        access = await load_managed(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        audience = await self._check_target(access, data)
        self._check_future(data.deadline)
        request = OpinionRequest(
            meeting_id=meeting_id,
            target=data.target,
            document_id=data.document_id,
            agenda_item_id=data.agenda_item_id,
            question=data.question,
            deadline=data.deadline,
            created_by=self.ctx.principal.id,
        )
        existing = (await self.session.exec(select(OpinionRequest).where(OpinionRequest.target == data.target))).first()
        if existing is not None:
            raise Conflict(
                f"Opinions on this are already requested (request {existing.id}); edit that one",
                f"Đã có phiếu lấy ý kiến cho nội dung này (phiếu {existing.id}); hãy sửa phiếu đó",
            )
        self.session.add(request)
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            raise Conflict(
                "Opinions on this are already requested", "Đã có phiếu lấy ý kiến cho nội dung này"
            ) from None
        return await self._requested(meeting_id, request, audience, "opinion.request")

    async def update_request(
        self, meeting_id: int, request_id: int, data: OpinionRequestUpdate
    ) -> OpinionRequestPublic:
        access = await load_managed(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        request = await self.session.get(OpinionRequest, request_id)
        if request is None or request.meeting_id != meeting_id:
            raise NotFound("Opinion request", "phiếu lấy ý kiến", request_id)
        target = OpinionTarget(document_id=request.document_id, agenda_item_id=request.agenda_item_id)
        audience = await self._check_target(access, target)
        await check_version(self.session, request, data.version)
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        if "question" in changes and changes["question"] is None:
            raise Invalid("question cannot be null", "question không được để trống")
        if changes.get("deadline") is not None:
            self._check_future(changes["deadline"])
        for key, value in changes.items():
            setattr(request, key, value)
        request.version += 1
        self.session.add(request)
        await self.session.flush()
        return await self._requested(meeting_id, request, audience, "opinion.request_update")

    async def _requested(
        self, meeting_id: int, request: OpinionRequest, audience: list[int] | None, action: str
    ) -> OpinionRequestPublic:
        public = request_public(request)
        await self.ctx.emit(meeting_id, OpinionRequested(request=public.model_dump(mode="json")), audience=audience)
        audit(
            self.session,
            self.ctx.principal.id,
            action,
            "opinion_request",
            request.id,
            meeting_id=meeting_id,
            target=request.target,
            deadline=request.deadline.isoformat() if request.deadline else None,
        )
        await self.session.commit()
        return public

    async def _check_target(self, access: MeetingAccess, data: OpinionTarget) -> list[int] | None:
        """The target exists in this meeting and the caller may see it; returns who may see its counts."""
        meeting_id = access.meeting.id
        if data.agenda_item_id is not None:
            item = await self.session.get(AgendaItem, data.agenda_item_id)
            if item is None or item.meeting_id != meeting_id:
                raise NotFound("Agenda item", "mục chương trình", data.agenda_item_id)
            return None
        document = await self.session.get(Document, data.document_id)
        readable = await visible_targets(self.session, self.ctx.principal, access.meeting.id or 0)
        if document is None or document.meeting_id != meeting_id or document.id not in readable:
            raise NotFound("Document", "tài liệu", data.document_id)
        readers = (
            await readers_of(self.session, document.id)
            if document.classification == Classification.confidential
            else set()
        )
        return await audience_of(self.session, document, readers)

    async def _upsert(self, meeting_id: int, data: OpinionSubmit, now: Any) -> None:
        """Insert or replace the caller's opinion in one statement: two submits at once leave one row."""
        values = {
            "meeting_id": meeting_id,
            "target": data.target,
            "document_id": data.document_id,
            "agenda_item_id": data.agenda_item_id,
            "user_id": self.ctx.principal.id,
            "stance": str(data.stance),
            "text": data.text,
            "created_at": now,
            "updated_at": now,
        }
        connection = await self.session.connection()
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(Opinion).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["user_id", "target"],
            set_={"stance": statement.excluded.stance, "text": statement.excluded.text, "updated_at": now},
        )
        await self.session.exec(statement)

    @staticmethod
    def _check_future(deadline: Any) -> None:
        if deadline is not None and deadline <= utcnow():
            raise Invalid("The deadline must be in the future", "Hạn gửi ý kiến phải ở tương lai")
