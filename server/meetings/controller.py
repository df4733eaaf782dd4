"""Routes for meetings and participants. Thin: parse, call the service, return a schema."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.auth.guards import staff_only
from server.db import DbSession
from server.live.context import ChangeContext
from server.live.snapshot import build_snapshot
from server.meetings.checkins import CheckInWriter
from server.meetings.schemas import (
    MeetingCreate,
    MeetingPublic,
    MeetingSummary,
    MeetingUpdate,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    meeting_public,
)
from server.meetings.service import MeetingService, ParticipantService


def change_context(request: Request, db_session: DbSession) -> ChangeContext:
    index = getattr(request.app.state, "search_index", None)
    return ChangeContext(
        session=db_session,
        principal=request.user,
        publish=request.app.state.publish,
        reindex=index.sync_record if index is not None else None,
        timezone=request.app.state.settings.timezone,
        forget_history=request.app.state.db.forget_history,
    )


class MeetingController(Controller):
    path = "/api/meetings"
    tags = ["meetings"]

    @get("/")
    async def list_meetings(self, request: Request, db_session: DbSession) -> list[MeetingSummary]:
        """Meetings the caller takes part in (administrators: all), newest first."""
        return await MeetingService(change_context(request, db_session)).list()

    @post("/", guards=[staff_only], status_code=HTTP_201_CREATED)
    async def create_meeting(
        self, request: Request, db_session: DbSession, data: JSONBody[MeetingCreate]
    ) -> MeetingPublic:
        """Create a meeting; the creator becomes its secretary."""
        return meeting_public(await MeetingService(change_context(request, db_session)).create(data))

    @get("/{meeting_id:int}")
    async def get_meeting(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> MeetingPublic:
        return meeting_public((await MeetingService(change_context(request, db_session)).get(meeting_id)).meeting)

    @patch("/{meeting_id:int}")
    async def update_meeting(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[MeetingUpdate],
    ) -> MeetingPublic:
        """Edit title, description, place or time. Send ``version`` to refuse a stale edit (409)."""
        return meeting_public(await MeetingService(change_context(request, db_session)).update(meeting_id, data))

    @delete("/{meeting_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_meeting(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> None:
        """Delete a meeting that has not started (a started one is part of the record)."""
        await MeetingService(change_context(request, db_session)).delete(meeting_id)

    @post("/{meeting_id:int}/start", status_code=200)
    async def start_meeting(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> MeetingPublic:
        return meeting_public(await MeetingService(change_context(request, db_session)).start(meeting_id))

    @post("/{meeting_id:int}/close", status_code=200)
    async def close_meeting(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> MeetingPublic:
        return meeting_public(await MeetingService(change_context(request, db_session)).close(meeting_id))

    @get("/{meeting_id:int}/snapshot")
    async def snapshot(self, request: Request, meeting_id: FromPath[int]) -> dict[str, Any]:
        """The same ``{seq, state}`` a websocket sends on connect (to compare a client's state)."""
        seq, state = await build_snapshot(request.app.state.db, meeting_id, request.user)
        return {"seq": seq, "state": state}

    @get("/{meeting_id:int}/participants")
    async def list_participants(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
    ) -> list[ParticipantPublic]:
        return await ParticipantService(change_context(request, db_session)).list(meeting_id)

    @post("/{meeting_id:int}/participants", status_code=HTTP_201_CREATED)
    async def add_participant(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        data: JSONBody[ParticipantCreate],
    ) -> ParticipantPublic:
        """Add a user (by ``username`` or ``user_id``) with a meeting role."""
        return await ParticipantService(change_context(request, db_session)).add(meeting_id, data)

    @patch("/{meeting_id:int}/participants/{participant_id:int}")
    async def update_participant(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        participant_id: FromPath[int],
        data: JSONBody[ParticipantUpdate],
    ) -> ParticipantPublic:
        """Change a participant's meeting role or mark attendance."""
        return await ParticipantService(change_context(request, db_session)).update(meeting_id, participant_id, data)

    @delete("/{meeting_id:int}/participants/{participant_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_participant(
        self,
        request: Request,
        db_session: DbSession,
        meeting_id: FromPath[int],
        participant_id: FromPath[int],
    ) -> None:
        await ParticipantService(change_context(request, db_session)).remove(meeting_id, participant_id)

    @post("/{meeting_id:int}/checkin", status_code=200)
    async def check_in(self, request: Request, meeting_id: FromPath[int]) -> ParticipantPublic:
        """The caller checks in as present (điểm danh)."""
        # no request session: the process's check-in writer decides it with the others waiting, in one
        # transaction (server/meetings/checkins.py); a room checks in within the same second
        checkins: CheckInWriter = request.app.state.checkins
        return await checkins.submit(request.user, meeting_id)
