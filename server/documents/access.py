"""Who may read a document: the one place the rule lives.

Only people who may see the meeting see its documents at all. Then:
public → everyone of them, guests included; internal → everyone but guests;
confidential → the chair, the secretary and the users named on it. The same
rule gives the audience of every document event.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.models import SystemRole, User
from server.auth.service import Principal
from server.documents.models import Classification, Document, DocumentReader, DocumentStatus
from server.errors import NotFound
from server.meetings.access import MANAGING_ROLES, MeetingAccess, load_access
from server.meetings.models import Attendance, Meeting, MeetingRole, Participant


async def readers_of(session: AsyncSession, document_id: int) -> set[int]:
    rows = await session.exec(select(DocumentReader.user_id).where(DocumentReader.document_id == document_id))
    return set(rows.all())


def may_read(access: MeetingAccess, document: Document, readers: set[int]) -> bool:
    return may_read_as(access.meeting_role, access.principal.id, document, readers)


def may_read_as(role: MeetingRole | None, user_id: int, document: Document, readers: set[int]) -> bool:
    """The rule itself, for a user with meeting role ``role`` (None: an administrator not taking part)."""
    classification = Classification(document.classification)
    if classification is Classification.public:
        return True
    if classification is Classification.internal:
        return role is not MeetingRole.guest
    return role in MANAGING_ROLES or user_id in readers


async def readable_documents(
    session: AsyncSession,
    principal: Principal,
    *,
    meeting_id: int | None = None,
    agenda_item_id: int | None = None,
    document_id: int | None = None,
    ready_only: bool = True,
) -> dict[int, Document]:
    """Every document ``principal`` may read, by id, in every meeting they see or narrowed to one meeting,
    one agenda item or one document: what the assistant and search may rank and cite."""
    roles: dict[int, MeetingRole | None]
    if principal.is_admin:
        meetings = await session.exec(select(Meeting.id))
        roles = {meeting: None for meeting in meetings.all() if meeting is not None}
    else:
        roles = {}
    mine = await session.exec(
        select(Participant.meeting_id, Participant.role).where(Participant.user_id == principal.id)
    )
    roles.update((meeting, MeetingRole(role)) for meeting, role in mine.all())
    if meeting_id is not None:
        roles = {meeting_id: roles[meeting_id]} if meeting_id in roles else {}
    if not roles:
        return {}
    query = select(Document).where(col(Document.meeting_id).in_(roles))
    if agenda_item_id is not None:
        query = query.where(Document.agenda_item_id == agenda_item_id)
    if document_id is not None:
        query = query.where(Document.id == document_id)
    if ready_only:
        query = query.where(Document.status == DocumentStatus.ready)
    documents = (await session.exec(query)).all()
    confidential = [d.id for d in documents if d.classification == Classification.confidential]
    named: set[int | None] = set()
    if confidential:
        rows = await session.exec(
            select(DocumentReader.document_id).where(
                col(DocumentReader.document_id).in_(confidential), DocumentReader.user_id == principal.id
            )
        )
        named = set(rows.all())
    return {
        document.id: document
        for document in documents
        if document.id is not None
        and may_read_as(
            roles[document.meeting_id], principal.id, document, {principal.id} if document.id in named else set()
        )
    }


_MEETING_DOCUMENTS = (
    select(Document).where(col(Document.meeting_id) == bindparam("meeting_id")).order_by(col(Document.id))
)
"""visible_documents' first query, built once (every tablet's snapshot runs it)."""


async def visible_documents(session: AsyncSession, access: MeetingAccess) -> list[Document]:
    documents = (await session.exec(_MEETING_DOCUMENTS, params={"meeting_id": access.meeting.id})).all()
    confidential = [d.id for d in documents if d.classification == Classification.confidential]
    named: set[int | None] = set()
    if confidential:
        rows = await session.exec(
            select(DocumentReader.document_id).where(
                col(DocumentReader.document_id).in_(confidential), DocumentReader.user_id == access.principal.id
            )
        )
        named = set(rows.all())
    return [
        document
        for document in documents
        if may_read(access, document, {access.principal.id} if document.id in named else set())
    ]


async def load_readable(
    session: AsyncSession, document_id: int, principal: Principal
) -> tuple[Document, MeetingAccess]:
    """The document and the caller's place in its meeting; NotFound unless they may read it."""
    document = await session.get(Document, document_id)
    if document is None:
        raise NotFound("Document", "tài liệu", document_id)
    try:
        access = await load_access(session, document.meeting_id, principal)
    except NotFound:
        raise NotFound("Document", "tài liệu", document_id) from None
    readers = (
        await readers_of(session, document_id) if document.classification == Classification.confidential else set()
    )
    if not may_read(access, document, readers):
        raise NotFound("Document", "tài liệu", document_id)
    return document, access


async def audience_of(session: AsyncSession, document: Document, readers: set[int]) -> list[int] | None:
    """User ids that may receive events about ``document`` (None: everyone who sees the meeting)."""
    classification = Classification(document.classification)
    if classification is Classification.public:
        return None
    people = (
        await session.exec(
            select(Participant.user_id, Participant.role).where(Participant.meeting_id == document.meeting_id)
        )
    ).all()
    if classification is Classification.internal:
        guests = {user_id for user_id, role in people if role == MeetingRole.guest}
        allowed = set(await meeting_viewers(session, document.meeting_id)) - guests
    else:
        allowed = {user_id for user_id, role in people if role in MANAGING_ROLES} | readers
    return sorted(allowed)


async def meeting_viewers(session: AsyncSession, meeting_id: int) -> list[int]:
    """Everyone who sees the meeting: its participants and the administrators."""
    people = (await session.exec(select(Participant.user_id).where(Participant.meeting_id == meeting_id))).all()
    admins = (await session.exec(select(User.id).where(User.role == SystemRole.admin))).all()
    return sorted(set(people) | {a for a in admins if a is not None})


# attendance that says the person is not in the room; "unknown" (not checked in yet) may well be there
AWAY = (Attendance.absent, Attendance.excused, Attendance.delegated)


async def room_outsiders(session: AsyncSession, document: Document, readers: set[int]) -> list[dict[str, object]]:
    """The participants who may be in the room and may not read ``document``: whom a room screen showing it
    would show it to. Checked in or not yet marked, by role (guests first) and name."""
    rows = (
        await session.exec(
            select(Participant, User)
            .join(User, col(User.id) == Participant.user_id)
            .where(Participant.meeting_id == document.meeting_id)
        )
    ).all()
    outsiders = [
        {
            "user_id": user.id,
            "full_name": user.full_name or user.username,
            "role": str(participant.role),
            "attendance": str(participant.attendance),
        }
        for participant, user in rows
        if Attendance(participant.attendance) not in AWAY
        and not may_read_as(MeetingRole(participant.role), participant.user_id, document, readers)
    ]
    return sorted(outsiders, key=lambda person: (person["role"] != MeetingRole.guest, str(person["full_name"])))
