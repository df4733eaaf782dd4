"""Routes for conclusions per agenda item and for tasks."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.conclusions.models import TaskStatus
from server.conclusions.schemas import ConclusionPublic, ConclusionWrite, TaskCreate, TaskPublic, TaskUpdate
from server.conclusions.service import ConclusionService
from server.conclusions.tasks import TaskService
from server.db import DbSession
from server.meetings.controller import change_context


class ConclusionController(Controller):
    path = "/api/meetings/{meeting_id:int}"
    tags = ["conclusions"]

    @get("/conclusions")
    async def list_conclusions(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int]
    ) -> list[ConclusionPublic]:
        """Every item's conclusion, by agenda item id."""
        return await ConclusionService(change_context(request, db_session)).list(meeting_id)

    @put("/agenda/{item_id:int}/conclusion")
    async def set_conclusion(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        item_id: FromPath[int],
        data: JSONBody[ConclusionWrite],
    ) -> ConclusionPublic | None:
        """Chair or secretary: set or edit the item's conclusion (empty text clears it: answers null)."""
        return await ConclusionService(change_context(request, db_session)).set(meeting_id, item_id, data)


class TaskController(Controller):
    path = "/api"
    tags = ["tasks"]

    @get("/tasks")
    async def search_tasks(
        self,
        request: Request,
        db_session: DbSession,
        status: Annotated[list[TaskStatus] | None, QueryParameter(description="One or more statuses")] = None,
        assignee_id: FromQuery[int | None] = None,
        meeting_id: FromQuery[int | None] = None,
        overdue: Annotated[bool | None, QueryParameter(description="Open or in progress past the deadline")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    ) -> list[TaskPublic]:
        """Tasks across meetings that you may see (staff: all), soonest deadline first."""
        return await TaskService(change_context(request, db_session)).search(
            status=status, assignee_id=assignee_id, meeting_id=meeting_id, overdue=overdue, limit=limit
        )

    @get("/meetings/{meeting_id:int}/tasks")
    async def list_tasks(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> list[TaskPublic]:
        """The tasks assigned from this meeting."""
        return await TaskService(change_context(request, db_session)).list(meeting_id)

    @post("/meetings/{meeting_id:int}/tasks", status_code=HTTP_201_CREATED)
    async def create_task(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[TaskCreate],
    ) -> TaskPublic:
        """Chair or secretary: assign a task to a unit and/or a person, with a deadline."""
        return await TaskService(change_context(request, db_session)).create(meeting_id, data)

    @patch("/tasks/{task_id:int}")
    async def update_task(
        self, request: Request, db_session: DbSession, task_id: FromPath[int], data: JSONBody[TaskUpdate]
    ) -> TaskPublic:
        """Edit a task (chair or secretary of its meeting); its assignee may change the status."""
        return await TaskService(change_context(request, db_session)).update(task_id, data)

    @delete("/tasks/{task_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_task(self, request: Request, db_session: DbSession, task_id: FromPath[int]) -> None:
        """Chair or secretary of its meeting: delete a task."""
        await TaskService(change_context(request, db_session)).delete(task_id)
