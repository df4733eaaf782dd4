"""Check-ins decided in groups: one write transaction for every check-in that is waiting (group commit,
server/group_commit.py).

A room's delegates check in within the same second as the meeting opens. One at a time, each check-in was a
session, nine statements and a commit through the ORM: about 10 ms of server time, 4-6 s for 500 delegates.
Here the process's one ``CheckInWriter`` takes every check-in waiting (up to ``max_batch``) and, in one
transaction:

1. reads the meetings and the callers' participations (with their names) in two queries, and checks each
   check-in by the rules and with the errors of one on its own: NotFound for a meeting the caller may not
   see, Invalid for an administrator who is not a participant, Conflict for a closed meeting;
2. marks every participation present in one statement (their check-in time kept if they had one; a
   delegation and a note cleared, as a check-in does);
3. logs, per meeting, a ``participant.changed`` per check-in and one ``attendance.changed`` with the counts
   the transaction leaves, under one seq bump and in one insert, and the ``participant.updated`` audit rows
   in another;
4. commits, and answers each caller with their participation.

A meeting that is showing a document on the room screen is left out of the group: a newcomer there may have
to make the presenter stop (``withdraw_for_newcomer``), and those few check-ins go through the one-at-a-time
service, each in its own transaction, exactly as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import AuditEntry
from server.auth.models import User
from server.auth.service import Principal
from server.db import Database, utcnow
from server.errors import AppError, Invalid, NotFound
from server.events import AttendanceChanged, Event, ParticipantChanged
from server.group_commit import GroupWriter
from server.live.context import ChangeContext
from server.live.outbox import Publisher, record_events
from server.meetings.attendance import attendance_summary
from server.meetings.models import Attendance, Meeting, MeetingRole, Participant
from server.meetings.rules import require_open
from server.meetings.schemas import ParticipantPublic
from server.meetings.service import ParticipantService

MAX_BATCH = 256


@dataclass
class _CheckIn:
    principal: Principal
    meeting_id: int
    future: asyncio.Future[ParticipantPublic]


@dataclass
class _Accepted:
    index: int
    check_in: _CheckIn
    public: ParticipantPublic


class CheckInWriter(GroupWriter[_CheckIn, ParticipantPublic]):
    """The process's one writer of check-ins (started and stopped with the app)."""

    kind = "check-ins"

    def __init__(self, db: Database, publish: Publisher, max_batch: int = MAX_BATCH) -> None:
        super().__init__(max_batch)
        self.db = db
        self.publish = publish

    async def submit(self, principal: Principal, meeting_id: int) -> ParticipantPublic:
        """Check ``principal`` in as present and wait for the answer (their participation, or the error)."""
        return await self.wait_for(_CheckIn(principal, meeting_id, self.new_future()))

    async def transaction(self, group: list[_CheckIn]) -> Sequence[ParticipantPublic | BaseException]:
        outcomes: list[ParticipantPublic | BaseException | None] = [None] * len(group)
        async with self.db.write() as session:
            try:
                await self._decide_in(session, group, outcomes)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        for index, check_in in enumerate(group):
            if outcomes[index] is None:  # its meeting shows a document: decided on its own
                try:
                    outcomes[index] = await self._alone(check_in)
                except Exception as error:  # the group is committed: this one's failure is its own answer
                    outcomes[index] = error
        decided = [outcome for outcome in outcomes if outcome is not None]
        assert len(decided) == len(group), "every check-in of the group is answered"
        return decided

    async def _alone(self, check_in: _CheckIn) -> ParticipantPublic:
        async with self.db.write() as session:
            context = ChangeContext(session=session, principal=check_in.principal, publish=self.publish)
            return await ParticipantService(context).check_in(check_in.meeting_id)

    async def _decide_in(
        self, session: AsyncSession, group: list[_CheckIn], outcomes: list[ParticipantPublic | BaseException | None]
    ) -> None:
        meeting_ids = sorted({check_in.meeting_id for check_in in group})
        meetings = {
            meeting.id: meeting
            for meeting in (await session.exec(select(Meeting).where(col(Meeting.id).in_(meeting_ids)))).all()
        }
        user_ids = sorted({check_in.principal.id for check_in in group})
        places = {
            (row.meeting_id, row.user_id): row
            for row in (
                await session.exec(
                    select(
                        Participant.id,
                        Participant.meeting_id,
                        Participant.user_id,
                        Participant.role,
                        Participant.checked_in_at,
                        User.username,
                        User.full_name,
                    )
                    .join(User, col(User.id) == col(Participant.user_id))
                    .where(col(Participant.meeting_id).in_(meeting_ids), col(Participant.user_id).in_(user_ids))
                )
            ).all()
        }

        now = utcnow()
        accepted: dict[int, list[_Accepted]] = {}
        for index, check_in in enumerate(group):
            meeting = meetings.get(check_in.meeting_id)
            place = places.get((check_in.meeting_id, check_in.principal.id))
            try:
                if meeting is None or (place is None and not check_in.principal.is_admin):
                    raise NotFound("Meeting", "cuộc họp", check_in.meeting_id)
                if place is None:
                    raise Invalid("You are not a participant of this meeting", "Bạn không có trong thành phần cuộc họp")
                require_open(meeting)
            except AppError as error:
                outcomes[index] = error
                continue
            if meeting.presenting_document_id is not None:
                continue  # left to _alone
            public = ParticipantPublic(
                id=place.id,
                user_id=place.user_id,
                username=place.username,
                full_name=place.full_name,
                role=MeetingRole(place.role),
                attendance=Attendance.present,
                checked_in_at=place.checked_in_at or now,
                delegated_to_user_id=None,
                delegated_to_name=None,
                attendance_note="",
            )
            accepted.setdefault(check_in.meeting_id, []).append(_Accepted(index, check_in, public))
        if not accepted:
            return

        participant_ids = sorted({entry.public.id for entries in accepted.values() for entry in entries})
        await session.exec(
            update(Participant)
            .where(col(Participant.id).in_(participant_ids))
            .values(
                attendance=Attendance.present,
                delegated_to_user_id=None,
                attendance_note="",
                checked_in_at=func.coalesce(Participant.checked_in_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        audit_rows = []
        for meeting_id, entries in sorted(accepted.items()):
            summary = await attendance_summary(session, meetings[meeting_id])
            events: list[tuple[Event, int | None]] = [
                (
                    ParticipantChanged(action="updated", participant=entry.public.model_dump(mode="json")),
                    entry.check_in.principal.id,
                )
                for entry in entries
            ]
            events.append((AttendanceChanged(attendance=summary), entries[-1].check_in.principal.id))
            await record_events(session, self.publish, meeting_id, events)
            audit_rows += [
                {
                    "at": now,
                    "actor_id": entry.check_in.principal.id,
                    "action": "participant.updated",
                    "target_type": "participant",
                    "target_id": entry.public.id,
                    "meeting_id": meeting_id,
                    "detail": {
                        "user_id": entry.public.user_id,
                        "role": str(entry.public.role),
                        "attendance": str(Attendance.present),
                        "delegated_to_user_id": None,
                    },
                }
                for entry in entries
            ]
            for entry in entries:
                outcomes[entry.index] = entry.public
        await session.exec(insert(AuditEntry.__table__), params=audit_rows)  # type: ignore[attr-defined]
