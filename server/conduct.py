"""The running meeting's part of a snapshot: the floor, opinions, conclusions, tasks and the user's notes."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from server.conclusions.service import conclusions_state
from server.conclusions.tasks import tasks_state
from server.documents.models import Document
from server.floor.service import floor_state
from server.meetings.access import MeetingAccess
from server.notes.service import note_counts
from server.opinions.service import opinions_state


async def conduct_state(
    session: AsyncSession, access: MeetingAccess, documents: list[Document], default_limit_seconds: int
) -> dict[str, Any]:
    """``floor``, ``opinions``, ``conclusions``, ``tasks`` and ``my_notes`` as this user may see them."""
    meeting_id = access.meeting.id
    assert meeting_id is not None
    readable = {d.id for d in documents if d.id is not None}
    floor = await floor_state(session, meeting_id)
    floor["default_limit_seconds"] = default_limit_seconds or None
    return {
        "floor": floor,
        "opinions": await opinions_state(session, access, readable),
        "conclusions": await conclusions_state(session, meeting_id),
        "tasks": await tasks_state(session, meeting_id),
        "my_notes": await note_counts(session, access.principal.id, readable),
    }
