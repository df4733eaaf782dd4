"""Routes for the floor of a meeting (đăng ký phát biểu)."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.db import DbSession
from server.floor.schemas import FloorPublic, SpeakerReorder, SpeakerRequestCreate, SpeakerRequestPublic
from server.floor.service import FloorService
from server.meetings.controller import change_context


def floor_service(request: Request, db_session: DbSession) -> FloorService:
    return FloorService(change_context(request, db_session), request.app.state.settings.speaking_limit_seconds)


class FloorController(Controller):
    path = "/api/meetings/{meeting_id:int}/speakers"
    tags = ["floor"]

    @get("/")
    async def get_floor(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> FloorPublic:
        """The queue, who has the floor, and every finished speech with its start and end."""
        return await floor_service(request, db_session).get(meeting_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def request_floor(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[SpeakerRequestCreate],
    ) -> SpeakerRequestPublic:
        """Ask for the floor (default: on the item under discussion); guests may not."""
        return await floor_service(request, db_session).request(meeting_id, data)

    @post("/reorder", status_code=200)
    async def reorder(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[SpeakerReorder],
    ) -> list[SpeakerRequestPublic]:
        """Chair or secretary: the new order of the whole queue."""
        return await floor_service(request, db_session).reorder(meeting_id, data)

    @delete("/{request_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def cancel(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], request_id: FromPath[int]
    ) -> None:
        """Withdraw your waiting request, or (chair or secretary) remove anyone's."""
        await floor_service(request, db_session).cancel(meeting_id, request_id)

    @post("/{request_id:int}/start", status_code=200)
    async def start(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], request_id: FromPath[int]
    ) -> SpeakerRequestPublic:
        """Chair or secretary: give this request the floor (a running speech ends first)."""
        return await floor_service(request, db_session).start(meeting_id, request_id)

    @post("/{request_id:int}/end", status_code=200)
    async def end(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], request_id: FromPath[int]
    ) -> SpeakerRequestPublic:
        """Chair, secretary or the speaker: end this speech."""
        return await floor_service(request, db_session).end(meeting_id, request_id)
