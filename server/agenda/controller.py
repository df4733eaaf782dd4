"""Routes for the agenda of a meeting."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.agenda.schemas import AgendaItemCreate, AgendaItemPublic, AgendaItemUpdate, AgendaReorder
from server.agenda.service import AgendaService
from server.db import DbSession
from server.meetings.controller import change_context


class AgendaController(Controller):
    path = "/api/meetings/{meeting_id:int}/agenda"
    tags = ["agenda"]

    @get("/")
    async def list_items(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int]
    ) -> list[AgendaItemPublic]:
        """Items in reading order: each top-level item followed by its sub-items."""
        return await AgendaService(change_context(request, db_session)).list(meeting_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def add_item(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[AgendaItemCreate],
    ) -> AgendaItemPublic:
        """Append an item (or a sub-item with ``parent_id``)."""
        return await AgendaService(change_context(request, db_session)).add(meeting_id, data)

    @post("/reorder", status_code=200)
    async def reorder(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[AgendaReorder],
    ) -> list[AgendaItemPublic]:
        """Set the order of one level; items listed from elsewhere move into it."""
        return await AgendaService(change_context(request, db_session)).reorder(meeting_id, data)

    @patch("/{item_id:int}")
    async def update_item(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        item_id: FromPath[int],
        data: JSONBody[AgendaItemUpdate],
    ) -> AgendaItemPublic:
        """Edit an item. Send ``version`` to refuse a stale edit (409)."""
        return await AgendaService(change_context(request, db_session)).update(meeting_id, item_id, data)

    @delete("/{item_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_item(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], item_id: FromPath[int]
    ) -> None:
        """Remove an item and its sub-items."""
        await AgendaService(change_context(request, db_session)).remove(meeting_id, item_id)

    @post("/{item_id:int}/current", status_code=200)
    async def set_current(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        item_id: FromPath[int],
    ) -> AgendaItemPublic:
        """Make this the item under discussion on every screen."""
        return await AgendaService(change_context(request, db_session)).set_current(meeting_id, item_id)
