"""Tasks assigned from a meeting (giao việc), listed across meetings so the next one can review them.

Who sees a task, the one place the rule lives: staff (secretaries and
administrators), the participants of its meeting, and its assignee. Who edits
it: the chair and secretary of its meeting (and administrators); its assignee
may change its status only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.agenda.models import AgendaItem
from server.audit import audit
from server.auth.models import SystemRole, User
from server.auth.service import Principal
from server.conclusions.models import OPEN_STATUSES, Task, TaskStatus
from server.conclusions.schemas import TaskCreate, TaskPublic, TaskUpdate
from server.db import utcnow
from server.errors import Forbidden, Invalid, NotFound
from server.events import TaskCreated, TaskDeleted, TaskUpdated
from server.live.context import ChangeContext
from server.meetings.access import load_access, load_managed
from server.meetings.models import Participant
from server.meetings.rules import check_version

# what events and the snapshot carry: ``overdue`` changes with the calendar, so clients work it out
EVENT_EXCLUDE = {"overdue"}


def today() -> dt.date:
    """The server's local date: deadlines are days in the organisation's own time zone."""
    return dt.date.today()


def is_overdue(task: Task) -> bool:
    return task.deadline is not None and task.deadline < today() and task.status in OPEN_STATUSES


def tasks_visible_to(principal: Principal) -> Any:
    query = select(Task, User).outerjoin(User, col(User.id) == Task.assignee_id)
    if principal.role in (SystemRole.admin, SystemRole.secretary):
        return query
    mine = select(Participant.meeting_id).where(Participant.user_id == principal.id)
    return query.where(or_(col(Task.meeting_id).in_(mine), col(Task.assignee_id) == principal.id))


def task_public(task: Task, assignee: User | None) -> TaskPublic:
    return TaskPublic(
        id=task.id or 0,
        meeting_id=task.meeting_id,
        agenda_item_id=task.agenda_item_id,
        title=task.title,
        assigned_unit=task.assigned_unit,
        assignee_id=task.assignee_id,
        assignee_name=assignee.display_name if assignee else None,
        deadline=task.deadline,
        status=TaskStatus(task.status),
        note=task.note,
        overdue=is_overdue(task),
        created_by=task.created_by,
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
    )


async def meeting_tasks(session: AsyncSession, meeting_id: int) -> list[TaskPublic]:
    rows = await session.exec(
        select(Task, User)
        .outerjoin(User, col(User.id) == Task.assignee_id)
        .where(Task.meeting_id == meeting_id)
        .order_by(col(Task.id))
    )
    return [task_public(task, user) for task, user in rows.all()]


async def tasks_state(session: AsyncSession, meeting_id: int) -> list[dict[str, Any]]:
    """The snapshot's ``tasks``: this meeting's tasks, by id."""
    return [t.model_dump(mode="json", exclude=EVENT_EXCLUDE) for t in await meeting_tasks(session, meeting_id)]


class TaskService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def search(
        self,
        *,
        status: list[TaskStatus] | None,
        assignee_id: int | None,
        meeting_id: int | None,
        overdue: bool | None,
        limit: int,
    ) -> list[TaskPublic]:
        query = tasks_visible_to(self.ctx.principal)
        if status:
            query = query.where(col(Task.status).in_([str(s) for s in status]))
        if assignee_id is not None:
            query = query.where(col(Task.assignee_id) == assignee_id)
        if meeting_id is not None:
            query = query.where(col(Task.meeting_id) == meeting_id)
        if overdue is not None:
            late = (col(Task.deadline) < today()) & col(Task.status).in_([str(s) for s in OPEN_STATUSES])
            query = query.where(late if overdue else ~late | col(Task.deadline).is_(None))
        query = query.order_by(col(Task.deadline).is_(None), col(Task.deadline), col(Task.id)).limit(limit)
        rows = (await self.session.exec(query)).all()
        return [task_public(task, user) for task, user in rows]

    async def list(self, meeting_id: int) -> list[TaskPublic]:
        await load_access(self.session, meeting_id, self.ctx.principal)
        return await meeting_tasks(self.session, meeting_id)

    async def create(self, meeting_id: int, data: TaskCreate) -> TaskPublic:
        await load_managed(self.session, meeting_id, self.ctx.principal)
        await self._check_item(meeting_id, data.agenda_item_id)
        assignee = await self._assignee(data.assignee_id)
        if not data.assigned_unit.strip() and data.assignee_id is None:
            raise Invalid("Assign the task to a unit or a person", "Hãy giao việc cho một đơn vị hoặc một người")
        task = Task(meeting_id=meeting_id, created_by=self.ctx.principal.id, **data.model_dump())
        self.session.add(task)
        await self.session.flush()
        public = task_public(task, assignee)
        await self.ctx.emit(meeting_id, TaskCreated(task=public.model_dump(mode="json", exclude=EVENT_EXCLUDE)))
        self._audit("task.create", task, title=task.title, assignee_id=task.assignee_id)
        assert task.id is not None
        self.ctx.reindex_after_commit("task", task.id)  # its passage tells the current status
        await self.session.commit()
        return public

    async def update(self, task_id: int, data: TaskUpdate) -> TaskPublic:
        task = await self._visible(task_id)
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        if not await self._can_manage(task):
            if task.assignee_id != self.ctx.principal.id:
                raise Forbidden(
                    "Only the chair or secretary of the task's meeting, or its assignee, may change it",
                    "Chỉ chủ trì, thư ký cuộc họp giao việc hoặc người được giao mới được cập nhật",
                )
            if set(changes) - {"status"}:
                raise Forbidden(
                    "The assignee may change the status only", "Người được giao chỉ được cập nhật trạng thái"
                )
        await check_version(self.session, task, data.version)
        for required in ("title", "status", "assigned_unit", "note"):
            if required in changes and changes[required] is None:
                raise Invalid(f"{required} cannot be null", f"{required} không được để trống")
        if "agenda_item_id" in changes:
            await self._check_item(task.meeting_id, changes["agenda_item_id"])
        if "assignee_id" in changes:
            await self._assignee(changes["assignee_id"])
        for key, value in changes.items():
            setattr(task, key, value)
        if not task.assigned_unit.strip() and task.assignee_id is None:
            raise Invalid("Assign the task to a unit or a person", "Hãy giao việc cho một đơn vị hoặc một người")
        task.version += 1
        task.updated_at = utcnow()
        self.session.add(task)
        await self.session.flush()
        public = task_public(task, await self._assignee(task.assignee_id))
        await self.ctx.emit(task.meeting_id, TaskUpdated(task=public.model_dump(mode="json", exclude=EVENT_EXCLUDE)))
        self._audit("task.update", task, fields=sorted(changes), status=str(task.status))
        assert task.id is not None
        self.ctx.reindex_after_commit("task", task.id)  # its passage tells the current status
        await self.session.commit()
        return public

    async def delete(self, task_id: int) -> None:
        task = await self._visible(task_id)
        if not await self._can_manage(task):
            raise Forbidden(
                "Only the chair or secretary of the task's meeting may delete it",
                "Chỉ chủ trì hoặc thư ký cuộc họp giao việc mới được xoá",
            )
        assert task.id is not None
        await self.session.delete(task)
        await self.ctx.emit(task.meeting_id, TaskDeleted(task_id=task.id))
        self._audit("task.delete", task, title=task.title)
        self.ctx.reindex_after_commit("task", task.id)  # its passage tells the current status
        await self.session.commit()

    async def _visible(self, task_id: int) -> Task:
        found = (await self.session.exec(tasks_visible_to(self.ctx.principal).where(col(Task.id) == task_id))).first()
        if found is None:
            raise NotFound("Task", "nhiệm vụ", task_id)
        task: Task = found[0]
        return task

    async def _can_manage(self, task: Task) -> bool:
        try:
            return (await load_access(self.session, task.meeting_id, self.ctx.principal)).can_manage
        except NotFound:
            return False

    async def _check_item(self, meeting_id: int, item_id: int | None) -> None:
        if item_id is None:
            return
        item = await self.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFound("Agenda item", "mục chương trình", item_id)

    async def _assignee(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound("User", "người dùng", user_id)
        return user

    def _audit(self, action: str, task: Task, **detail: object) -> None:
        audit(self.session, self.ctx.principal.id, action, "task", task.id, meeting_id=task.meeting_id, **detail)
