"""Attendance counts and quorum (túc số): the one place the rule is computed.

Voting members are the chair, the secretary and the delegates; guests never
count. Quorum is met when more than ``meeting.quorum_ratio`` of the voting
members are present (0.5: more than half). A participant marked ``delegated``
is not present: whoever attends in their place counts only if they are a
voting member of the meeting themselves.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.events import AttendanceChanged
from server.live.context import ChangeContext
from server.meetings.models import Attendance, Meeting, MeetingRole, Participant

VOTING_ROLES = frozenset({MeetingRole.chair, MeetingRole.secretary, MeetingRole.delegate})


def is_voting_member(participant: Participant) -> bool:
    return MeetingRole(participant.role) in VOTING_ROLES


def may_vote(participant: Participant | None) -> bool:
    """Present voting members vote; guests, and the absent, excused or delegated, do not."""
    return participant is not None and is_voting_member(participant) and participant.attendance == Attendance.present


def quorum_needed(voting_members: int, ratio: float) -> int:
    """How many voting members must be present: strictly more than ``ratio`` of them (at least one)."""
    return math.floor(ratio * voting_members + 1e-9) + 1


def summarize(counted: list[tuple[str, str, int]], quorum_ratio: float) -> dict[str, Any]:
    """The counts from how many participants have each (role, attendance)."""
    by_attendance = {str(kind): 0 for kind in Attendance}
    voting_members = voting_present = 0
    for role, attendance, count in counted:
        by_attendance[str(attendance)] = by_attendance.get(str(attendance), 0) + count
        if MeetingRole(role) in VOTING_ROLES:
            voting_members += count
            voting_present += count if attendance == Attendance.present else 0
    total = sum(count for _, _, count in counted)
    needed = quorum_needed(voting_members, quorum_ratio)
    return {
        "total": total,
        "present": by_attendance[Attendance.present],
        "absent": by_attendance[Attendance.absent],
        "excused": by_attendance[Attendance.excused],
        "delegated": by_attendance[Attendance.delegated],
        "unknown": by_attendance[Attendance.unknown],
        "voting_members": voting_members,
        "voting_present": voting_present,
        "quorum_ratio": quorum_ratio,
        "quorum_needed": needed,
        "quorum": voting_members > 0 and voting_present >= needed,
    }


async def attendance_summary(session: AsyncSession, meeting: Meeting) -> dict[str, Any]:
    rows = (
        await session.exec(
            select(Participant.role, Participant.attendance, func.count())
            .where(Participant.meeting_id == meeting.id)
            .group_by(Participant.role, Participant.attendance)
        )
    ).all()
    return summarize([(role, attendance, count) for role, attendance, count in rows], meeting.quorum_ratio)


async def emit_attendance(ctx: ChangeContext, meeting_id: int) -> dict[str, Any]:
    """Log ``attendance.changed`` with the counts as this transaction leaves them."""
    await ctx.session.flush()
    meeting = await ctx.session.get(Meeting, meeting_id)
    assert meeting is not None
    summary = await attendance_summary(ctx.session, meeting)
    await ctx.emit(meeting_id, AttendanceChanged(attendance=summary))
    return summary
