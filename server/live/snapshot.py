"""The whole meeting as one user may see it, with the seq it is current at."""

from __future__ import annotations

from typing import Any

from server.agenda.service import list_agenda
from server.auth.service import Principal
from server.conduct import conduct_state
from server.db import Database
from server.documents.access import visible_documents
from server.documents.schemas import document_public
from server.meetings.access import load_access
from server.meetings.attendance import attendance_summary
from server.meetings.schemas import meeting_public
from server.meetings.service import list_participants
from server.minutes.service import minutes_state
from server.recordings.service import capturing_now
from server.votes.reading import meeting_polls


async def build_snapshot(db: Database, meeting_id: int, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Read state and seq in one transaction, so events after seq apply cleanly on top.

    Raises NotFound when the user may not see the meeting.
    """
    async with db.snapshot_read() as session, session.begin():
        access = await load_access(session, meeting_id, principal)
        agenda = await list_agenda(session, meeting_id)
        participants = await list_participants(session, meeting_id)
        documents = await visible_documents(session, access)
        attendance = await attendance_summary(session, access.meeting)
        polls = await meeting_polls(session, meeting_id, principal.id)
        conduct = await conduct_state(session, access, documents, db.settings.speaking_limit_seconds)
        minutes = await minutes_state(session, meeting_id)
        capturing = await capturing_now(session, meeting_id)
    meeting = access.meeting
    visible_ids = {document.id for document in documents}
    presenting = meeting.presenting_document_id if meeting.presenting_document_id in visible_ids else None
    state = {
        "meeting": meeting_public(meeting).model_dump(mode="json", exclude={"last_seq"}),
        "current_item_id": meeting.current_item_id,
        "agenda": [item.model_dump(mode="json") for item in agenda],
        "participants": [participant.model_dump(mode="json") for participant in participants],
        "documents": [document_public(document).model_dump(mode="json") for document in documents],
        "attendance": attendance,
        "polls": [poll.model_dump(mode="json") for poll in polls],
        "presenting": {"document_id": presenting, "page": meeting.presenting_page if presenting else None},
        "me": {
            "user_id": principal.id,
            "meeting_role": str(access.meeting_role) if access.meeting_role else None,
            "can_manage": access.can_manage,
        },
        "minutes": minutes,
        "recording": {"capturing": capturing},
        **conduct,
    }
    return meeting.last_seq, state
