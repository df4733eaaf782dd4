"""Routes for written opinions (phiếu lấy ý kiến) of a meeting."""

from __future__ import annotations

from litestar import Controller, Request, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from server.db import DbSession
from server.meetings.controller import change_context
from server.opinions.schemas import (
    MyOpinions,
    OpinionPublic,
    OpinionRequestCreate,
    OpinionRequestPublic,
    OpinionRequestUpdate,
    OpinionSubmit,
    OpinionSummary,
)
from server.opinions.service import OpinionService


class OpinionController(Controller):
    path = "/api/meetings/{meeting_id:int}"
    tags = ["opinions"]

    @get("/opinions")
    async def mine(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> MyOpinions:
        """Your own opinions, the counts per target you may see, and the open requests."""
        return await OpinionService(change_context(request, db_session)).mine(meeting_id)

    @put("/opinions")
    async def submit(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[OpinionSubmit],
    ) -> OpinionPublic:
        """Record your opinion on a document or an item; sending again replaces it (until the deadline)."""
        return await OpinionService(change_context(request, db_session)).submit(meeting_id, data)

    @get("/opinions/summary")
    async def summary(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> OpinionSummary:
        """Chair or secretary: counts and every text with its author."""
        return await OpinionService(change_context(request, db_session)).summary(meeting_id)

    @post("/opinion-requests", status_code=HTTP_201_CREATED)
    async def create_request(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[OpinionRequestCreate],
    ) -> OpinionRequestPublic:
        """Chair or secretary: ask every member for an opinion on a target, with an optional deadline."""
        return await OpinionService(change_context(request, db_session)).create_request(meeting_id, data)

    @patch("/opinion-requests/{opinion_request_id:int}")
    async def update_request(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        opinion_request_id: FromPath[int],
        data: JSONBody[OpinionRequestUpdate],
    ) -> OpinionRequestPublic:
        """Chair or secretary: change the question or the deadline."""
        service = OpinionService(change_context(request, db_session))
        return await service.update_request(meeting_id, opinion_request_id, data)
