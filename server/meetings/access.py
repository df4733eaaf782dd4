"""Who may see and run a meeting: the one place the rule lives.

- see (meeting, agenda, participants, live events): its participants, and administrators;
- run (edit, agenda, participants, start, close, current item): its chair and
  secretary, and administrators;
- record (open and stop a live capture of the room's microphone, upload a recording, follow their
  status): its secretary, administrators, and an account with the system role ``recorder`` (a room PC)
  that takes part in the meeting, usually as a guest: it records, and sees no more than its meeting role
  shows (a guest's recorder reads no transcript);
- anyone else gets 404, so meeting ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.models import SystemRole
from server.auth.service import Principal
from server.errors import Forbidden, NotFound
from server.meetings.models import Meeting, MeetingRole, Participant

MANAGING_ROLES = frozenset({MeetingRole.chair, MeetingRole.secretary})


@dataclass
class MeetingAccess:
    meeting: Meeting
    participant: Participant | None
    principal: Principal

    @property
    def meeting_role(self) -> MeetingRole | None:
        return MeetingRole(self.participant.role) if self.participant else None

    @property
    def can_manage(self) -> bool:
        return self.principal.is_admin or self.meeting_role in MANAGING_ROLES

    @property
    def can_record(self) -> bool:
        """Whether the caller records the room for this meeting (not the chair: the secretary's task)."""
        if self.principal.is_admin or self.meeting_role is MeetingRole.secretary:
            return True
        return self.principal.role is SystemRole.recorder and self.participant is not None

    def require_manage(self) -> MeetingAccess:
        if not self.can_manage:
            raise Forbidden(
                "Only the chair or the secretary of this meeting may do this",
                "Chỉ chủ trì hoặc thư ký cuộc họp mới được thực hiện thao tác này",
            )
        return self


def meetings_visible_to(principal: Principal) -> Select:
    query = select(Meeting)
    if not principal.is_admin:
        mine = select(Participant.meeting_id).where(Participant.user_id == principal.id)
        query = query.where(col(Meeting.id).in_(mine))
    return query


_ACCESS = (
    select(Meeting, Participant)
    .outerjoin(
        Participant,
        and_(col(Participant.meeting_id) == col(Meeting.id), col(Participant.user_id) == bindparam("user_id")),
    )
    .where(col(Meeting.id) == bindparam("meeting_id"))
)
"""load_access's query, built once with its parameters bound at each call: building it and its cache key
anew took a tenth of the ORM's time in a tablet's connect, which a reconnect storm repeats per tablet."""


async def load_access(session: AsyncSession, meeting_id: int, principal: Principal) -> MeetingAccess:
    """The meeting and the caller's place in it; NotFound if they may not see it. One query: every route and
    every tablet's connect starts here."""
    found = (await session.exec(_ACCESS, params={"meeting_id": meeting_id, "user_id": principal.id})).first()
    if found is None:
        raise NotFound("Meeting", "cuộc họp", meeting_id)
    meeting, participant = found
    if participant is None and not principal.is_admin:
        raise NotFound("Meeting", "cuộc họp", meeting_id)
    return MeetingAccess(meeting=meeting, participant=participant, principal=principal)


async def load_managed(session: AsyncSession, meeting_id: int, principal: Principal) -> MeetingAccess:
    return (await load_access(session, meeting_id, principal)).require_manage()
