"""The floor: request to speak, withdraw, grant, end, reorder, remove.

One speaker at a time per meeting: granting the floor while someone speaks
ends that speech first (both are logged), so the chair never has to press two
buttons to pass the floor on. The database holds the same rule (a unique index
on the meeting's speaking request).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.agenda.models import AgendaItem
from server.audit import audit
from server.db import utcnow
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.events import (
    SpeakerEnded,
    SpeakerLapsed,
    SpeakerRemoved,
    SpeakerReordered,
    SpeakerRequested,
    SpeakerStarted,
    SpeakerWithdrawn,
)
from server.floor.models import ACTIVE, SpeakerRequest, SpeakerStatus
from server.floor.schemas import (
    FloorPublic,
    SpeakerReorder,
    SpeakerRequestCreate,
    SpeakerRequestPublic,
    request_public,
)
from server.live.context import ChangeContext
from server.meetings.access import MeetingAccess, load_access
from server.meetings.models import MeetingRole, MeetingStatus, Participant
from server.meetings.rules import require_open


async def queue_of(session: AsyncSession, meeting_id: int) -> list[SpeakerRequest]:
    rows = await session.exec(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == SpeakerStatus.waiting)
        .order_by(col(SpeakerRequest.position), col(SpeakerRequest.id))
    )
    return list(rows.all())


async def speaking_of(session: AsyncSession, meeting_id: int) -> SpeakerRequest | None:
    rows = await session.exec(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == SpeakerStatus.speaking
        )
    )
    return rows.first()


async def floor_state(session: AsyncSession, meeting_id: int) -> dict[str, object]:
    """The snapshot's ``floor``: the queue and who speaks (finished speeches are fetched over HTTP)."""
    speaking = await speaking_of(session, meeting_id)
    return {
        "queue": [request_public(r).model_dump(mode="json") for r in await queue_of(session, meeting_id)],
        "speaking": request_public(speaking).model_dump(mode="json") if speaking else None,
    }


async def end_speech(ctx: ChangeContext, meeting_id: int, speech: SpeakerRequest) -> None:
    """Close ``speech`` now and log it (also used when the meeting closes)."""
    speech.status = SpeakerStatus.done
    speech.ended_at = utcnow()
    ctx.session.add(speech)
    await ctx.session.flush()
    assert speech.id is not None and speech.started_at is not None
    await ctx.emit(meeting_id, SpeakerEnded(request_id=speech.id, ended_at=speech.ended_at))
    seconds = round((speech.ended_at - speech.started_at).total_seconds())
    audit(
        ctx.session,
        ctx.principal.id,
        "speaker.end",
        "speaker_request",
        speech.id,
        meeting_id=meeting_id,
        user_id=speech.user_id,
        seconds=seconds,
    )


async def end_current_speech(ctx: ChangeContext, meeting_id: int) -> None:
    """End whatever speech is running (the meeting is closing); no commit."""
    speech = await speaking_of(ctx.session, meeting_id)
    if speech is not None:
        await end_speech(ctx, meeting_id, speech)


async def lapse_requests(ctx: ChangeContext, meeting_id: int, agenda_item_id: int | None) -> None:
    """Close the waiting requests for ``agenda_item_id`` (None: every waiting request) unheard; no commit.

    A request belongs to its item: once the meeting has moved on from it (or closed), the request would
    otherwise stand in the queue, and as "next" on the room screen, under an item it is not about.
    """
    query = select(SpeakerRequest).where(
        SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == SpeakerStatus.waiting
    )
    if agenda_item_id is not None:
        query = query.where(SpeakerRequest.agenda_item_id == agenda_item_id)
    requests = list((await ctx.session.exec(query.order_by(col(SpeakerRequest.id)))).all())
    if not requests:
        return
    now = utcnow()
    for request in requests:
        request.status = SpeakerStatus.lapsed
        request.ended_at = now
        ctx.session.add(request)
    await ctx.session.flush()
    request_ids = [request.id for request in requests if request.id is not None]
    await ctx.emit(meeting_id, SpeakerLapsed(request_ids=request_ids, agenda_item_id=agenda_item_id))
    audit(
        ctx.session,
        ctx.principal.id,
        "speaker.lapse",
        "speaker_request",
        None,
        meeting_id=meeting_id,
        agenda_item_id=agenda_item_id,
        request_ids=request_ids,
    )


class FloorService:
    def __init__(self, ctx: ChangeContext, default_limit_seconds: int) -> None:
        self.ctx = ctx
        self.session = ctx.session
        # 0 in the settings means no limit
        self.default_limit = default_limit_seconds or None

    async def get(self, meeting_id: int) -> FloorPublic:
        await load_access(self.session, meeting_id, self.ctx.principal)
        speaking = await speaking_of(self.session, meeting_id)
        speeches = await self.session.exec(
            select(SpeakerRequest)
            .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == SpeakerStatus.done)
            .order_by(col(SpeakerRequest.started_at), col(SpeakerRequest.id))
        )
        return FloorPublic(
            queue=[request_public(r) for r in await queue_of(self.session, meeting_id)],
            speaking=request_public(speaking) if speaking else None,
            speeches=[request_public(r) for r in speeches.all()],
            default_limit_seconds=self.default_limit,
        )

    async def request(self, meeting_id: int, data: SpeakerRequestCreate) -> SpeakerRequestPublic:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        user_id = await self._speaker_for(access, data.user_id)
        item_id = data.agenda_item_id if data.agenda_item_id is not None else access.meeting.current_item_id
        if data.agenda_item_id is not None:
            await self._item(meeting_id, data.agenda_item_id)
        active = await self.session.exec(
            select(SpeakerRequest).where(
                SpeakerRequest.meeting_id == meeting_id,
                SpeakerRequest.user_id == user_id,
                col(SpeakerRequest.status).in_(ACTIVE),
            )
        )
        if active.first() is not None:
            raise Conflict(
                "Already on the queue or speaking; withdraw first to ask again",
                "Đã đăng ký phát biểu hoặc đang phát biểu; hãy rút đăng ký trước khi đăng ký lại",
            )
        last = await self.session.exec(
            select(func.max(SpeakerRequest.position)).where(
                SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == SpeakerStatus.waiting
            )
        )
        top = last.one()
        request = SpeakerRequest(
            meeting_id=meeting_id,
            agenda_item_id=item_id,
            user_id=user_id,
            position=0 if top is None else top + 1,
        )
        self.session.add(request)
        await self._flush_unique()
        public = request_public(request)
        await self.ctx.emit(meeting_id, SpeakerRequested(request=public.model_dump(mode="json")))
        self._audit("speaker.request", meeting_id, request.id, user_id=user_id, agenda_item_id=item_id)
        await self.session.commit()
        return public

    async def cancel(self, meeting_id: int, request_id: int) -> None:
        """The requester withdraws a waiting request; the chair or secretary removes anyone's."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        request = await self._get(meeting_id, request_id)
        own = request.user_id == self.ctx.principal.id
        if not own and not access.can_manage:
            raise Forbidden(
                "Only the requester, the chair or the secretary may take a request off the queue",
                "Chỉ người đăng ký, chủ trì hoặc thư ký mới được rút đăng ký phát biểu",
            )
        if request.status != SpeakerStatus.waiting:
            raise Conflict(
                f"This request is {request.status}, not waiting", f"Đăng ký này không còn chờ ({request.status})"
            )
        request.status = SpeakerStatus.withdrawn if own else SpeakerStatus.removed
        request.ended_at = utcnow()
        self.session.add(request)
        await self.session.flush()
        assert request.id is not None
        event = SpeakerWithdrawn(request_id=request.id) if own else SpeakerRemoved(request_id=request.id)
        await self.ctx.emit(meeting_id, event)
        self._audit("speaker.withdraw" if own else "speaker.remove", meeting_id, request.id, user_id=request.user_id)
        await self.session.commit()

    async def start(self, meeting_id: int, request_id: int) -> SpeakerRequestPublic:
        await self._managed_live(meeting_id)
        request = await self._get(meeting_id, request_id)
        if request.status != SpeakerStatus.waiting:
            raise Conflict(
                f"This request is {request.status}, not waiting", f"Đăng ký này không còn chờ ({request.status})"
            )
        current = await speaking_of(self.session, meeting_id)
        if current is not None:
            await end_speech(self.ctx, meeting_id, current)
        request.status = SpeakerStatus.speaking
        request.started_at = utcnow()
        request.limit_seconds = await self._limit_for(request.agenda_item_id)
        self.session.add(request)
        await self._flush_unique()
        public = request_public(request)
        await self.ctx.emit(meeting_id, SpeakerStarted(request=public.model_dump(mode="json")))
        self._audit(
            "speaker.start", meeting_id, request.id, user_id=request.user_id, limit_seconds=request.limit_seconds
        )
        await self.session.commit()
        return public

    async def end(self, meeting_id: int, request_id: int) -> SpeakerRequestPublic:
        """The chair or secretary ends a speech; the speaker may end their own."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        request = await self._get(meeting_id, request_id)
        if not access.can_manage and request.user_id != self.ctx.principal.id:
            raise Forbidden(
                "Only the chair, the secretary or the speaker may end a speech",
                "Chỉ chủ trì, thư ký hoặc người đang phát biểu mới được kết thúc phát biểu",
            )
        if request.status != SpeakerStatus.speaking:
            raise Conflict("This request is not speaking", "Đăng ký này không đang phát biểu")
        await end_speech(self.ctx, meeting_id, request)
        await self.session.commit()
        return request_public(request)

    async def reorder(self, meeting_id: int, data: SpeakerReorder) -> list[SpeakerRequestPublic]:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        access.require_manage()
        require_open(access.meeting)
        if len(set(data.request_ids)) != len(data.request_ids):
            raise Invalid("A request is listed twice", "Một đăng ký bị lặp lại")
        queue = {request.id: request for request in await queue_of(self.session, meeting_id)}
        if set(data.request_ids) != set(queue):
            raise Invalid(
                f"The new order must list exactly the waiting requests {sorted(i for i in queue if i is not None)}",
                f"Thứ tự mới phải gồm đúng các đăng ký đang chờ {sorted(i for i in queue if i is not None)}",
            )
        for position, request_id in enumerate(data.request_ids):
            queue[request_id].position = position
            self.session.add(queue[request_id])
        await self.session.flush()
        await self.ctx.emit(meeting_id, SpeakerReordered(request_ids=list(data.request_ids)))
        self._audit("speaker.reorder", meeting_id, None, order=list(data.request_ids))
        await self.session.commit()
        return [request_public(r) for r in await queue_of(self.session, meeting_id)]

    async def _speaker_for(self, access: MeetingAccess, user_id: int | None) -> int:
        """Who goes on the queue: the caller, or (chair/secretary) the participant they name; never a guest."""
        if user_id is not None and user_id != self.ctx.principal.id:
            access.require_manage()
            participant = (
                await self.session.exec(
                    select(Participant).where(
                        Participant.meeting_id == access.meeting.id, Participant.user_id == user_id
                    )
                )
            ).first()
            if participant is None:
                raise Invalid("That user is not a participant of this meeting", "Người này không tham dự cuộc họp")
            role: MeetingRole | None = MeetingRole(participant.role)
            target = user_id
        else:
            role, target = access.meeting_role, self.ctx.principal.id
        if role is None or role is MeetingRole.guest:
            raise Forbidden(
                "Only participants other than guests may ask for the floor",
                "Chỉ đại biểu tham dự (không phải khách mời) mới được đăng ký phát biểu",
            )
        return target

    async def _managed_live(self, meeting_id: int) -> MeetingAccess:
        access = (await load_access(self.session, meeting_id, self.ctx.principal)).require_manage()
        if access.meeting.status != MeetingStatus.live:
            raise Conflict("Start the meeting first", "Hãy bắt đầu cuộc họp trước")
        return access

    async def _limit_for(self, item_id: int | None) -> int | None:
        item = await self.session.get(AgendaItem, item_id) if item_id is not None else None
        if item is not None and item.speaking_limit_seconds is not None:
            return item.speaking_limit_seconds or None
        return self.default_limit

    async def _item(self, meeting_id: int, item_id: int) -> AgendaItem:
        item = await self.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFound("Agenda item", "mục chương trình", item_id)
        return item

    async def _get(self, meeting_id: int, request_id: int) -> SpeakerRequest:
        request = await self.session.get(SpeakerRequest, request_id)
        if request is None or request.meeting_id != meeting_id:
            raise NotFound("Speaker request", "đăng ký phát biểu", request_id)
        return request

    async def _flush_unique(self) -> None:
        try:
            await self.session.flush()
        except IntegrityError:
            # a concurrent change won the race the unique indexes guard
            await self.session.rollback()
            raise Conflict(
                "Someone else changed the floor at the same moment; reload and retry",
                "Danh sách phát biểu vừa được người khác thay đổi; hãy tải lại",
            ) from None

    def _audit(self, action: str, meeting_id: int, target_id: int | None, **detail: object) -> None:
        audit(
            self.session, self.ctx.principal.id, action, "speaker_request", target_id, meeting_id=meeting_id, **detail
        )
