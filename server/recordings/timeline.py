"""Who had the floor and which agenda item was current at a moment of the meeting, from what the server logs.

The floor's history is the speaker requests' ``started_at``/``ended_at``; the agenda's is the meeting's
``agenda.current`` events (each with its time). A moment outside every speech belongs to the chair.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.models import User
from server.floor.models import SpeakerRequest
from server.live.models import MeetingEvent
from server.meetings.models import MeetingRole, Participant


@dataclass(frozen=True)
class Speech:
    user_id: int
    start: datetime
    end: datetime | None  # None: still speaking


@dataclass
class Timeline:
    """The meeting's agenda changes and speeches in time order, and the names to file turns under."""

    item_changes: list[tuple[datetime, int | None]] = field(default_factory=list)
    speeches: list[Speech] = field(default_factory=list)
    chair_id: int | None = None
    names: dict[int, str] = field(default_factory=dict)

    def item_at(self, moment: datetime) -> int | None:
        """The item current at ``moment`` (None: before the first, or none was current)."""
        index = bisect.bisect_right([changed for changed, _ in self.item_changes], moment)
        return self.item_changes[index - 1][1] if index else None

    def speaker_at(self, moment: datetime) -> int | None:
        """Who had the floor at ``moment``, else the chair (None: the meeting has no chair)."""
        for speech in reversed(self.speeches):
            if speech.start <= moment and (speech.end is None or moment < speech.end):
                return speech.user_id
        return self.chair_id

    def name_of(self, user_id: int | None) -> str:
        if user_id is None:
            return "Chủ tọa"
        return self.names.get(user_id, f"#{user_id}")


async def load_timeline(session: AsyncSession, meeting_id: int) -> Timeline:
    changes = await session.exec(
        select(MeetingEvent.created_at, MeetingEvent.data)
        .where(MeetingEvent.meeting_id == meeting_id, MeetingEvent.name == "agenda.current")
        .order_by(col(MeetingEvent.seq))
    )
    item_changes = [(created_at, data.get("item_id")) for created_at, data in changes.all()]
    requests = await session.exec(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting_id, col(SpeakerRequest.started_at).is_not(None))
        .order_by(col(SpeakerRequest.started_at))
    )
    speeches = [
        Speech(request.user_id, request.started_at, request.ended_at)
        for request in requests.all()
        if request.started_at is not None
    ]
    chair_id = (
        await session.exec(
            select(Participant.user_id)
            .where(Participant.meeting_id == meeting_id, Participant.role == MeetingRole.chair)
            .order_by(col(Participant.id))
        )
    ).first()
    people = {speech.user_id for speech in speeches} | ({chair_id} if chair_id is not None else set())
    rows = await session.exec(select(User.id, User.full_name, User.username).where(col(User.id).in_(people)))
    names = {user_id: User.name_of(name, username) for user_id, name, username in rows.all() if user_id is not None}
    return Timeline(item_changes, speeches, chair_id, names)
