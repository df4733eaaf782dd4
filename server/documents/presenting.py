"""A confidential document on the room screen stays only before the people it was confirmed for.

The chair or secretary confirms showing a confidential document knowing who in the room may not read it
(``DocumentService.present``). Someone who may not read it and comes into the room afterwards (checks in,
is added, becomes a guest) was not named then, so the document leaves every screen at once; presenting it
again asks again.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import audit
from server.documents.access import AWAY, may_read_as, readers_of
from server.documents.models import Classification, Document
from server.events import Present
from server.live.context import ChangeContext
from server.meetings.models import Attendance, Meeting, MeetingRole, Participant


async def sees_unreadable(session: AsyncSession, meeting_id: int, participant: Participant) -> bool:
    """Whether ``participant``, as they are now, is in the room while it shows a confidential document
    they may not read."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.presenting_document_id is None:
        return False
    document = await session.get(Document, meeting.presenting_document_id)
    if document is None or document.classification != Classification.confidential:
        return False
    if Attendance(participant.attendance) in AWAY:
        return False
    readers = await readers_of(session, document.id or 0)
    return not may_read_as(MeetingRole(participant.role), participant.user_id, document, readers)


async def withdraw_for_newcomer(ctx: ChangeContext, meeting_id: int, participant: Participant) -> None:
    """Stop presenting (no commit) if ``participant`` now sees a confidential document they may not read."""
    if not await sees_unreadable(ctx.session, meeting_id, participant):
        return
    meeting = await ctx.session.get(Meeting, meeting_id)
    assert meeting is not None
    document_id = meeting.presenting_document_id
    meeting.presenting_document_id, meeting.presenting_page = None, None
    ctx.session.add(meeting)
    await ctx.session.flush()
    await ctx.emit(meeting_id, Present(document_id=None, page=None))
    audit(
        ctx.session,
        ctx.principal.id,
        "document.present.withdrawn",
        "meeting",
        meeting_id,
        meeting_id=meeting_id,
        document_id=document_id,
        user_id=participant.user_id,
    )
