"""Routes for polls and ballots, and the meeting's attendance summary."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.db import DbSession
from server.meetings.access import load_access
from server.meetings.attendance import attendance_summary
from server.meetings.controller import change_context
from server.votes.ballots import BallotWriter
from server.votes.models import MajorityOf
from server.votes.schemas import BallotCreate, BallotReceipt, PollCreate, PollPublic, PollUpdate
from server.votes.service import PollService


def poll_service(request: Request, db_session: DbSession) -> PollService:
    state = request.app.state
    return PollService(change_context(request, db_session), MajorityOf(state.settings.poll_majority_of))


class MeetingPollController(Controller):
    path = "/api/meetings/{meeting_id:int}"
    tags = ["polls"]

    @get("/attendance")
    async def attendance(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> dict[str, Any]:
        """Counts (present, voting members present, total) and whether the quorum is met."""
        access = await load_access(db_session, meeting_id, request.user)
        return await attendance_summary(db_session, access.meeting)

    @get("/polls")
    async def list_polls(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> list[PollPublic]:
        """Every poll of the meeting with live counts, your own ballot, and the result of closed ones."""
        return await poll_service(request, db_session).list_polls(meeting_id)

    @post("/polls", status_code=HTTP_201_CREATED)
    async def create_poll(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[PollCreate]
    ) -> PollPublic:
        """Prepare a draft poll (chair or secretary): yes/no/abstain or custom options, open or secret."""
        return await poll_service(request, db_session).create(meeting_id, data)


class PollController(Controller):
    path = "/api/polls/{poll_id:int}"
    tags = ["polls"]

    @get("/")
    async def get_poll(self, request: Request, db_session: DbSession, poll_id: FromPath[int]) -> PollPublic:
        return await poll_service(request, db_session).get(poll_id)

    @patch("/")
    async def update_poll(
        self, request: Request, db_session: DbSession, poll_id: FromPath[int], data: JSONBody[PollUpdate]
    ) -> PollPublic:
        """Edit a draft poll. Send ``version`` to refuse a stale edit (409)."""
        return await poll_service(request, db_session).update(poll_id, data)

    @delete("/", status_code=HTTP_204_NO_CONTENT)
    async def delete_poll(self, request: Request, db_session: DbSession, poll_id: FromPath[int]) -> None:
        """Delete a draft poll (an opened one is part of the record)."""
        await poll_service(request, db_session).delete(poll_id)

    @post("/open", status_code=200)
    async def open_poll(self, request: Request, db_session: DbSession, poll_id: FromPath[int]) -> PollPublic:
        """Start voting; refused (409) without quorum or outside a live meeting."""
        return await poll_service(request, db_session).open(poll_id)

    @post("/close", status_code=200)
    async def close_poll(self, request: Request, db_session: DbSession, poll_id: FromPath[int]) -> PollPublic:
        """End voting: the counts are final and the poll's rule decides passed or failed."""
        return await poll_service(request, db_session).close(poll_id)

    @post("/ballot", status_code=200)
    async def vote(self, request: Request, poll_id: FromPath[int], data: JSONBody[BallotCreate]) -> BallotReceipt:
        """Cast your ballot (present voting members only), once; again to change it if the poll allows."""
        # no request session: the process's ballot writer decides it, with the others waiting, in one
        # transaction of its own (server/votes/ballots.py); a session per ballot was 6% of a 500-ballot burst
        ballots: BallotWriter = request.app.state.ballots
        return await ballots.submit(request.user, poll_id, data.option_id)
