"""The agenda: add, edit, remove, reorder items and move the meeting through them."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.agenda.models import AgendaItem, ItemStatus
from server.agenda.schemas import (
    AgendaItemCreate,
    AgendaItemPublic,
    AgendaItemUpdate,
    AgendaReorder,
    item_public,
)
from server.audit import audit
from server.auth.models import User
from server.errors import Conflict, Invalid, NotFound
from server.events import AgendaChanged, AgendaCurrent
from server.floor.service import lapse_requests
from server.live.context import ChangeContext
from server.meetings.access import load_access, load_managed
from server.meetings.models import Meeting, MeetingStatus
from server.meetings.rules import check_version, require_open


async def list_agenda(session: AsyncSession, meeting_id: int) -> list[AgendaItemPublic]:
    """Items in reading order: each top-level item followed by its sub-items."""
    items = (await session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id))).all()
    children: dict[int | None, list[AgendaItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda item: (item.position, item.id or 0))
    ordered: list[AgendaItemPublic] = []
    for top in children.get(None, []):
        ordered.append(item_public(top))
        ordered.extend(item_public(child) for child in children.get(top.id, []))
    return ordered


async def move_current(ctx: ChangeContext, meeting: Meeting, item: AgendaItem | None) -> None:
    """The previous current item becomes done, ``item`` becomes current (clients apply the same rule);
    requests to speak on the previous item that are still waiting lapse."""
    assert meeting.id is not None
    previous_id, previous = meeting.current_item_id, None
    if previous_id is not None and (item is None or item.id != previous_id):
        await lapse_requests(ctx, meeting.id, previous_id)
    if previous_id is not None:
        previous = await ctx.session.get(AgendaItem, previous_id)
        if previous is not None:
            previous.status = ItemStatus.done
            previous.version += 1
            ctx.session.add(previous)
    if item is not None:
        item.status = ItemStatus.current
        item.version += 1
        ctx.session.add(item)
    meeting.current_item_id = item.id if item else None
    ctx.session.add(meeting)
    await ctx.session.flush()
    event = AgendaCurrent(
        item_id=meeting.current_item_id,
        previous_item_id=previous_id,
        item_version=item.version if item else None,
        previous_item_version=previous.version if previous else None,
    )
    await ctx.emit(meeting.id, event)


class AgendaService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def list(self, meeting_id: int) -> list[AgendaItemPublic]:
        await load_access(self.session, meeting_id, self.ctx.principal)
        return await list_agenda(self.session, meeting_id)

    async def add(self, meeting_id: int, data: AgendaItemCreate) -> AgendaItemPublic:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        require_open(meeting)
        if data.parent_id is not None:
            parent = await self._get(meeting_id, data.parent_id)
            if parent.parent_id is not None:
                raise Invalid("Sub-items cannot have sub-items", "Mục con không thể có mục con")
        await self._check_presenter(data.presenter_user_id)
        last = await self.session.exec(
            select(func.max(AgendaItem.position)).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.parent_id == data.parent_id
            )
        )
        top = last.one()
        item = AgendaItem(meeting_id=meeting_id, position=0 if top is None else top + 1, **data.model_dump())
        self.session.add(item)
        await self.session.flush()
        public = item_public(item)
        await self.ctx.emit(meeting_id, AgendaChanged(action="added", item=public.model_dump(mode="json")))
        self._audit("agenda.add", meeting_id, item.id, title=item.title)
        await self.session.commit()
        return public

    async def update(self, meeting_id: int, item_id: int, data: AgendaItemUpdate) -> AgendaItemPublic:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        require_open(meeting)
        item = await self._get(meeting_id, item_id)
        await check_version(self.session, item, data.version)
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        for required in ("title", "status"):
            if required in changes and changes[required] is None:
                raise Invalid(f"{required} cannot be empty", f"{required} không được để trống")
        if "status" in changes:
            self._check_status_change(meeting, item, changes["status"])
        if "presenter_user_id" in changes:
            await self._check_presenter(changes["presenter_user_id"])
        for key, value in changes.items():
            setattr(item, key, value)
        item.version += 1
        self.session.add(item)
        await self.session.flush()
        public = item_public(item)
        await self.ctx.emit(meeting_id, AgendaChanged(action="updated", item=public.model_dump(mode="json")))
        self._audit("agenda.update", meeting_id, item_id, fields=sorted(changes))
        await self.session.commit()
        return public

    async def remove(self, meeting_id: int, item_id: int) -> None:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        require_open(meeting)
        item = await self._get(meeting_id, item_id)
        children = (await self.session.exec(select(AgendaItem).where(AgendaItem.parent_id == item_id))).all()
        removed = [item_id, *(child.id for child in children if child.id is not None)]
        if meeting.current_item_id in removed:
            await self._move_current(meeting, None)
        for child in children:
            await self.session.delete(child)
        await self.session.flush()  # children first: the parent's ON DELETE CASCADE must find nothing left
        await self.session.delete(item)
        await self.ctx.emit(meeting_id, AgendaChanged(action="removed", item_ids=removed))
        self._audit("agenda.remove", meeting_id, item_id, title=item.title, removed=removed)
        await self.session.commit()

    async def reorder(self, meeting_id: int, data: AgendaReorder) -> list[AgendaItemPublic]:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        require_open(meeting)
        if len(set(data.item_ids)) != len(data.item_ids):
            raise Invalid("An item is listed twice", "Một mục bị lặp lại")
        if data.parent_id is not None:
            parent = await self._get(meeting_id, data.parent_id)
            if parent.parent_id is not None:
                raise Invalid("Sub-items cannot have sub-items", "Mục con không thể có mục con")
        items = {item_id: await self._get(meeting_id, item_id) for item_id in data.item_ids}
        level = (
            await self.session.exec(
                select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id, AgendaItem.parent_id == data.parent_id)
            )
        ).all()
        missing = set(level) - set(data.item_ids)
        if missing:
            raise Invalid(
                f"The new order must list every item of that level; missing {sorted(missing)}",
                f"Thứ tự mới phải gồm mọi mục cùng cấp; còn thiếu {sorted(missing)}",
            )
        if data.parent_id is not None:
            await self._check_can_nest(meeting_id, data.parent_id, items)
        for position, item_id in enumerate(data.item_ids):
            item = items[item_id]
            item.position, item.parent_id = position, data.parent_id
            self.session.add(item)
        await self.session.flush()
        await self.ctx.emit(
            meeting_id,
            AgendaChanged(action="reordered", item_ids=list(data.item_ids), parent_id=data.parent_id),
        )
        self._audit("agenda.reorder", meeting_id, data.parent_id, order=list(data.item_ids))
        await self.session.commit()
        return await list_agenda(self.session, meeting_id)

    async def set_current(self, meeting_id: int, item_id: int) -> AgendaItemPublic:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        item = await self._get(meeting_id, item_id)
        if meeting.status != MeetingStatus.live:
            raise Conflict("Start the meeting first", "Hãy bắt đầu cuộc họp trước")
        if meeting.current_item_id != item_id:
            await self._move_current(meeting, item)
            self._audit("agenda.current", meeting_id, item_id)
            await self.session.commit()
        return item_public(item)

    async def _move_current(self, meeting: Meeting, item: AgendaItem | None) -> None:
        await move_current(self.ctx, meeting, item)

    async def _get(self, meeting_id: int, item_id: int) -> AgendaItem:
        item = await self.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFound("Agenda item", "mục chương trình", item_id)
        return item

    async def _check_presenter(self, user_id: int | None) -> None:
        if user_id is not None and await self.session.get(User, user_id) is None:
            raise NotFound("User", "người dùng", user_id)

    async def _check_can_nest(self, meeting_id: int, parent_id: int, items: dict[int, AgendaItem]) -> None:
        if parent_id in items:
            raise Invalid("An item cannot contain itself", "Một mục không thể chứa chính nó")
        moving = [item_id for item_id, item in items.items() if item.parent_id is None]
        if moving:
            with_children = (
                await self.session.exec(
                    select(AgendaItem.parent_id).where(col(AgendaItem.parent_id).in_(moving)).distinct()
                )
            ).all()
            if with_children:
                raise Invalid(
                    "An item with sub-items cannot become a sub-item",
                    "Mục có mục con không thể trở thành mục con",
                )

    @staticmethod
    def _check_status_change(meeting: Meeting, item: AgendaItem, status: ItemStatus) -> None:
        if status == ItemStatus.current or (item.id == meeting.current_item_id and status != ItemStatus.current):
            raise Invalid(
                "Use the 'current' action to change which item is under discussion",
                "Hãy dùng thao tác 'mục hiện tại' để chuyển mục đang thảo luận",
            )

    def _audit(self, action: str, meeting_id: int, target_id: int | None, **detail: object) -> None:
        audit(
            self.session,
            self.ctx.principal.id,
            action,
            "agenda_item",
            target_id,
            meeting_id=meeting_id,
            **detail,
        )
