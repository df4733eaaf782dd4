"""Meetings and participants: create, edit, start, close, delete; who takes part."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import col, select

from server.agenda.service import move_current
from server.audit import audit
from server.auth.models import User
from server.db import on_commit, utcnow
from server.documents.presenting import sees_unreadable, withdraw_for_newcomer
from server.errors import Conflict, Invalid, NotFound
from server.events import (
    MeetingDeleted,
    MeetingStatusChanged,
    MeetingUpdated,
    ParticipantChanged,
)
from server.floor.service import end_current_speech, lapse_requests
from server.live.context import ChangeContext
from server.live.wire import encode_published
from server.meetings.access import MeetingAccess, load_access, load_managed, meetings_visible_to
from server.meetings.attendance import emit_attendance
from server.meetings.models import Attendance, Meeting, MeetingRole, MeetingStatus, Participant
from server.meetings.rules import check_version, require_open
from server.meetings.schemas import (
    MeetingCreate,
    MeetingSummary,
    MeetingUpdate,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    meeting_public,
)
from server.votes.closing import close_open_polls


def participant_public(participant: Participant, user: User, delegate: User | None = None) -> ParticipantPublic:
    return ParticipantPublic(
        id=participant.id or 0,
        user_id=participant.user_id,
        username=user.username,
        full_name=user.full_name,
        role=MeetingRole(participant.role),
        attendance=Attendance(participant.attendance),
        checked_in_at=participant.checked_in_at,
        delegated_to_user_id=participant.delegated_to_user_id,
        delegated_to_name=delegate.display_name if delegate else None,
        attendance_note=participant.attendance_note,
    )


async def list_participants(ctx_session: Any, meeting_id: int) -> list[ParticipantPublic]:
    # columns, not ORM objects: every tablet's snapshot lists every participant, and loading a Participant and a
    # User instance per row was most of a 500-delegate meeting's snapshot
    delegate = aliased(User)
    rows = await ctx_session.exec(
        select(
            Participant.id,
            Participant.user_id,
            User.username,
            User.full_name,
            Participant.role,
            Participant.attendance,
            Participant.checked_in_at,
            Participant.delegated_to_user_id,
            Participant.attendance_note,
            delegate.full_name.label("delegate_full_name"),
            delegate.username.label("delegate_username"),
        )
        .join(User, col(User.id) == Participant.user_id)
        .outerjoin(delegate, col(delegate.id) == Participant.delegated_to_user_id)
        .where(Participant.meeting_id == meeting_id)
        .order_by(col(Participant.id))
    )
    participants = []
    for row in rows.all():
        fields = dict(row._mapping)
        delegate_full_name, delegate_username = fields.pop("delegate_full_name"), fields.pop("delegate_username")
        delegated_to_name = User.name_of(delegate_full_name, delegate_username) if delegate_username else None
        participants.append(ParticipantPublic(**fields, delegated_to_name=delegated_to_name))
    return participants


class MeetingService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def list(self) -> list[MeetingSummary]:
        query = meetings_visible_to(self.ctx.principal).order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
        meetings = (await self.session.exec(query)).all()
        roles = dict(
            (
                await self.session.exec(
                    select(Participant.meeting_id, Participant.role).where(Participant.user_id == self.ctx.principal.id)
                )
            ).all()
        )
        return [MeetingSummary(**meeting_public(m).model_dump(), my_role=roles.get(m.id)) for m in meetings]

    async def get(self, meeting_id: int) -> MeetingAccess:
        return await load_access(self.session, meeting_id, self.ctx.principal)

    async def create(self, data: MeetingCreate) -> Meeting:
        meeting = Meeting(**data.model_dump(), created_by=self.ctx.principal.id)
        self.session.add(meeting)
        await self.session.flush()
        # whoever creates a meeting runs it, until they hand the role on
        self.session.add(Participant(meeting_id=meeting.id, user_id=self.ctx.principal.id, role=MeetingRole.secretary))
        audit(
            self.session,
            self.ctx.principal.id,
            "meeting.create",
            "meeting",
            meeting.id,
            meeting_id=meeting.id,
        )
        await self.session.commit()
        return meeting

    async def update(self, meeting_id: int, data: MeetingUpdate) -> Meeting:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        await check_version(self.session, meeting, data.version)
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        for required in ("title", "quorum_ratio"):
            if required in changes and changes[required] is None:
                raise Invalid(f"{required} cannot be empty", f"{required} không được để trống")
        for key, value in changes.items():
            setattr(meeting, key, value)
        meeting.version += 1
        meeting.updated_at = utcnow()
        self.session.add(meeting)
        await self.session.flush()
        await self.ctx.emit(meeting_id, MeetingUpdated(meeting=meeting_public(meeting).model_dump(mode="json")))
        if "quorum_ratio" in changes:
            await emit_attendance(self.ctx, meeting_id)
        audit(
            self.session,
            self.ctx.principal.id,
            "meeting.update",
            "meeting",
            meeting_id,
            meeting_id=meeting_id,
            fields=sorted(changes),
        )
        await self.session.commit()
        await self.session.refresh(meeting)
        return meeting

    async def start(self, meeting_id: int) -> Meeting:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        if meeting.status != MeetingStatus.draft:
            raise Conflict(f"The meeting is already {meeting.status}", "Cuộc họp đã bắt đầu hoặc đã kết thúc")
        meeting.status = MeetingStatus.live
        meeting.started_at = utcnow()
        return await self._status_changed(meeting, "meeting.start")

    async def close(self, meeting_id: int) -> Meeting:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        if meeting.status != MeetingStatus.live:
            raise Conflict("Only a meeting in progress can be closed", "Chỉ kết thúc được cuộc họp đang diễn ra")
        if meeting.current_item_id is not None:
            await move_current(self.ctx, meeting, None)
        await close_open_polls(self.ctx, meeting)
        await end_current_speech(self.ctx, meeting_id)  # the speech's end is logged for the minutes
        await lapse_requests(self.ctx, meeting_id, None)  # nobody is left waiting for a closed meeting
        meeting.status = MeetingStatus.closed
        meeting.closed_at = utcnow()
        return await self._status_changed(meeting, "meeting.close")

    async def _status_changed(self, meeting: Meeting, action: str) -> Meeting:
        assert meeting.id is not None
        meeting.version += 1
        meeting.updated_at = utcnow()
        self.session.add(meeting)
        await self.session.flush()
        await self.ctx.emit(
            meeting.id,
            MeetingStatusChanged(
                status=str(meeting.status),
                started_at=meeting.started_at,
                closed_at=meeting.closed_at,
                version=meeting.version,
            ),
        )
        audit(self.session, self.ctx.principal.id, action, "meeting", meeting.id, meeting_id=meeting.id)
        await self.session.commit()
        await self.ctx.committed()  # a secret poll the close ended leaves no history behind
        await self.session.refresh(meeting)
        return meeting

    async def delete(self, meeting_id: int) -> None:
        meeting = (await load_managed(self.session, meeting_id, self.ctx.principal)).meeting
        if meeting.status != MeetingStatus.draft:
            raise Conflict(
                "A meeting that has started is part of the record and cannot be deleted",
                "Cuộc họp đã bắt đầu là một phần của hồ sơ, không thể xoá",
            )
        audit(
            self.session,
            self.ctx.principal.id,
            "meeting.delete",
            "meeting",
            meeting_id,
            meeting_id=meeting_id,
            title=meeting.title,
        )
        await self.session.delete(meeting)
        # not logged (the log goes with the meeting): tells open tablets to leave
        notice = encode_published(meeting.last_seq + 1, MeetingDeleted.name, {}, None)
        on_commit(self.session, lambda: self.ctx.publish(meeting_id, notice))
        await self.session.commit()


class ParticipantService:
    def __init__(self, ctx: ChangeContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def list(self, meeting_id: int) -> list[ParticipantPublic]:
        await load_access(self.session, meeting_id, self.ctx.principal)
        return await list_participants(self.session, meeting_id)

    async def add(self, meeting_id: int, data: ParticipantCreate) -> ParticipantPublic:
        await load_managed(self.session, meeting_id, self.ctx.principal)
        if data.user_id is not None:
            user = await self.session.get(User, data.user_id)
        else:
            user = (await self.session.exec(select(User).where(User.username == data.username))).first()
        if user is None:
            raise NotFound("User", "người dùng", data.username or data.user_id)
        taken = await self.session.exec(
            select(Participant.id).where(Participant.meeting_id == meeting_id, Participant.user_id == user.id)
        )
        if taken.first() is not None:
            raise Conflict(
                f"{user.username} already takes part in this meeting",
                f"{user.username} đã có trong thành phần cuộc họp",
            )
        participant = Participant(meeting_id=meeting_id, user_id=user.id, role=data.role)
        self.session.add(participant)
        return await self._changed(meeting_id, "added", participant, user)

    async def update(self, meeting_id: int, participant_id: int, data: ParticipantUpdate) -> ParticipantPublic:
        await load_managed(self.session, meeting_id, self.ctx.principal)
        participant, user = await self._get(meeting_id, participant_id)
        seen_before = await sees_unreadable(self.session, meeting_id, participant)
        if data.role is not None:
            participant.role = data.role
        if data.attendance is not None:
            self._set_attendance(participant, data.attendance)
            if data.attendance == Attendance.delegated:
                participant.delegated_to_user_id = await self._delegate_id(participant, data)
            participant.attendance_note = (data.attendance_note or "").strip()
        self.session.add(participant)
        return await self._changed(meeting_id, "updated", participant, user, seen_before=seen_before)

    async def check_in(self, meeting_id: int) -> ParticipantPublic:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if access.participant is None:
            raise Invalid("You are not a participant of this meeting", "Bạn không có trong thành phần cuộc họp")
        require_open(access.meeting)
        participant = access.participant
        seen_before = await sees_unreadable(self.session, meeting_id, participant)
        self._set_attendance(participant, Attendance.present)
        self.session.add(participant)
        return await self._changed(meeting_id, "updated", participant, self.ctx.principal.user, seen_before=seen_before)

    async def remove(self, meeting_id: int, participant_id: int) -> None:
        await load_managed(self.session, meeting_id, self.ctx.principal)
        participant, user = await self._get(meeting_id, participant_id)
        public = participant_public(participant, user)
        await self.session.delete(participant)
        await self.ctx.emit(
            meeting_id, ParticipantChanged(action="removed", participant=public.model_dump(mode="json"))
        )
        await emit_attendance(self.ctx, meeting_id)
        audit(
            self.session,
            self.ctx.principal.id,
            "participant.removed",
            "participant",
            participant_id,
            meeting_id=meeting_id,
            user_id=user.id,
        )
        await self.session.commit()

    @staticmethod
    def _set_attendance(participant: Participant, attendance: Attendance) -> None:
        participant.attendance = attendance
        participant.delegated_to_user_id = None
        participant.attendance_note = ""
        if attendance == Attendance.present:
            participant.checked_in_at = participant.checked_in_at or utcnow()
        else:
            participant.checked_in_at = None

    async def _delegate_id(self, participant: Participant, data: ParticipantUpdate) -> int:
        if data.delegated_to_user_id is not None:
            delegate = await self.session.get(User, data.delegated_to_user_id)
        else:
            by_name = select(User).where(User.username == data.delegated_to_username)
            delegate = (await self.session.exec(by_name)).first()
        if delegate is None or delegate.id is None:
            raise NotFound("User", "người dùng", data.delegated_to_username or data.delegated_to_user_id)
        if delegate.id == participant.user_id:
            raise Invalid("Nobody can attend in their own place", "Không thể ủy quyền cho chính mình")
        return delegate.id

    async def _get(self, meeting_id: int, participant_id: int) -> tuple[Participant, User]:
        participant = await self.session.get(Participant, participant_id)
        if participant is None or participant.meeting_id != meeting_id:
            raise NotFound("Participant", "đại biểu", participant_id)
        user = await self.session.get(User, participant.user_id)
        assert user is not None
        return participant, user

    async def _changed(
        self, meeting_id: int, action: str, participant: Participant, user: User, *, seen_before: bool = False
    ) -> ParticipantPublic:
        """Publish and audit a participant's change; ``seen_before``: they already saw the confidential
        document on the room screen (the presenter confirmed it with them there)."""
        await self.session.flush()
        delegate = (
            await self.session.get(User, participant.delegated_to_user_id) if participant.delegated_to_user_id else None
        )
        public = participant_public(participant, user, delegate)
        await self.ctx.emit(meeting_id, ParticipantChanged(action=action, participant=public.model_dump(mode="json")))
        await emit_attendance(self.ctx, meeting_id)
        audit(
            self.session,
            self.ctx.principal.id,
            f"participant.{action}",
            "participant",
            participant.id,
            meeting_id=meeting_id,
            user_id=user.id,
            role=str(participant.role),
            attendance=str(participant.attendance),
            delegated_to_user_id=participant.delegated_to_user_id,
        )
        if not seen_before:
            await withdraw_for_newcomer(self.ctx, meeting_id, participant)
        await self.session.commit()
        return public
