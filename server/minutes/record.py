"""Read a meeting's record from the database into ``assistant.minutes.MeetingRecord`` for the draft.

Transcript turns filed under the meeting (not an item) are placed under the item that was current when
they were spoken: the recording is taken to start when the meeting started, and the log's
``agenda.current`` events say which item was current from when.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.chunk import Page
from assistant.minutes import (
    DocumentRecord,
    ItemRecord,
    MeetingRecord,
    OpinionRecord,
    Organisation,
    Person,
    PollRecord,
    SpeechRecord,
    TaskRecord,
    TurnRecord,
)
from server.agenda.service import list_agenda
from server.auth.models import User
from server.conclusions.models import Conclusion, Task
from server.documents.models import Classification, Document, DocumentPage, DocumentStatus, DocumentVersion
from server.floor.models import SpeakerRequest, SpeakerStatus
from server.live.models import MeetingEvent
from server.meetings.models import Meeting, Participant
from server.opinions.models import Opinion
from server.settings import Settings
from server.transcripts.models import TranscriptTurn
from server.votes.models import Poll, PollOption, PollStatus
from server.votes.reading import counts_of


def _name(user: User | None) -> str:
    return user.display_name if user else ""


async def read_record(session: AsyncSession, meeting: Meeting, settings: Settings) -> MeetingRecord:
    """Everything the draft of `meeting`'s minutes states, as the database holds it now."""
    assert meeting.id is not None
    meeting_id = meeting.id
    users = await _people_named(session, meeting_id)
    items = await _items(session, meeting_id)
    titles = {item.id: item.title for item in items}
    return MeetingRecord(
        meeting_id=meeting_id,
        title=meeting.title,
        location=meeting.location,
        organisation=Organisation(
            name=settings.organisation_name,
            parent=settings.organisation_parent,
            abbreviation=settings.organisation_abbreviation,
            place=settings.organisation_place,
        ),
        started_at=meeting.started_at or meeting.starts_at,
        closed_at=meeting.closed_at,
        timezone=settings.timezone,
        people=await _people(session, meeting_id, users),
        items=items,
        documents=await _documents(session, meeting_id),
        speeches=await _speeches(session, meeting_id, users),
        turns=await _turns(session, meeting),
        polls=await _polls(session, meeting_id),
        opinions=await _opinions(session, meeting_id, users, titles),
        conclusions={
            c.agenda_item_id: (c.id or 0, c.text)
            for c in (await session.exec(select(Conclusion).where(Conclusion.meeting_id == meeting_id))).all()
        },
        tasks=[
            TaskRecord(
                id=task.id or 0,
                title=task.title,
                agenda_item_id=task.agenda_item_id,
                unit=task.assigned_unit,
                assignee=_name(users.get(task.assignee_id)),
                deadline=task.deadline,
            )
            for task in (
                await session.exec(select(Task).where(Task.meeting_id == meeting_id).order_by(col(Task.id)))
            ).all()
        ],
    )


async def _people_named(session: AsyncSession, meeting_id: int) -> dict[int | None, User]:
    """The users the minutes can name: participants (speakers and authors are participants), those they
    delegated to, and the meeting's task assignees; not the whole user table."""
    named = (
        select(Participant.user_id)
        .where(Participant.meeting_id == meeting_id)
        .union(
            select(Participant.delegated_to_user_id).where(Participant.meeting_id == meeting_id),
            select(Task.assignee_id).where(Task.meeting_id == meeting_id),
        )
    )
    rows = await session.exec(select(User).where(col(User.id).in_(named)))
    return {user.id: user for user in rows.all()}


async def _items(session: AsyncSession, meeting_id: int) -> list[ItemRecord]:
    """Items in reading order, numbered "1", "2", "2.1" (sub-items under their parent)."""
    records = []
    top = 0
    sub: dict[int, int] = {}
    numbers: dict[int, str] = {}
    for item in await list_agenda(session, meeting_id):
        if item.parent_id is None:
            top += 1
            numbers[item.id] = str(top)
        else:
            sub[item.parent_id] = sub.get(item.parent_id, 0) + 1
            numbers[item.id] = f"{numbers.get(item.parent_id, '?')}.{sub[item.parent_id]}"
        records.append(
            ItemRecord(
                id=item.id,
                number=numbers[item.id],
                title=item.title,
                presenter=item.presenter,
            )
        )
    return records


async def _people(session: AsyncSession, meeting_id: int, users: dict[int | None, User]) -> list[Person]:
    rows = await session.exec(
        select(Participant).where(Participant.meeting_id == meeting_id).order_by(col(Participant.id))
    )
    return [
        Person(
            participant_id=p.id or 0,
            name=_name(users.get(p.user_id)),
            role=str(p.role),
            attendance=str(p.attendance),
            reason=p.attendance_note,
            delegated_to=_name(users.get(p.delegated_to_user_id)),
        )
        for p in rows.all()
    ]


async def _documents(session: AsyncSession, meeting_id: int) -> list[DocumentRecord]:
    """The meeting's documents; the current version's pages of those that are ready and not confidential
    (a confidential document is named in the minutes, never summarised: the minutes go to everyone)."""
    documents = (
        await session.exec(select(Document).where(Document.meeting_id == meeting_id).order_by(col(Document.id)))
    ).all()
    records = []
    for document in documents:
        assert document.id is not None
        pages: list[Page] = []
        if document.classification != Classification.confidential and document.status == DocumentStatus.ready:
            rows = await session.exec(
                select(DocumentPage.page, DocumentPage.text)
                .join(DocumentVersion, col(DocumentVersion.id) == DocumentPage.version_id)
                .where(DocumentVersion.document_id == document.id, DocumentVersion.number == document.current_version)
                .order_by(col(DocumentPage.page))
            )
            pages = [Page(document.id, document.current_version, page, text) for page, text in rows.all()]
        records.append(DocumentRecord(document.id, document.title, document.agenda_item_id, pages))
    return records


async def _speeches(session: AsyncSession, meeting_id: int, users: dict[int | None, User]) -> list[SpeechRecord]:
    rows = await session.exec(
        select(SpeakerRequest)
        .where(
            SpeakerRequest.meeting_id == meeting_id,
            col(SpeakerRequest.status).in_([SpeakerStatus.done, SpeakerStatus.speaking]),
        )
        .order_by(col(SpeakerRequest.started_at), col(SpeakerRequest.id))
    )
    return [
        SpeechRecord(s.id or 0, _name(users.get(s.user_id)), s.agenda_item_id, s.started_at, s.ended_at)
        for s in rows.all()
    ]


async def _turns(session: AsyncSession, meeting: Meeting) -> list[TurnRecord]:
    rows = (
        await session.exec(
            select(TranscriptTurn)
            .where(TranscriptTurn.meeting_id == meeting.id)
            .order_by(col(TranscriptTurn.transcript_id), col(TranscriptTurn.position))
        )
    ).all()
    place = await _item_at(session, meeting)
    return [
        TurnRecord(
            transcript_id=t.transcript_id,
            position=t.position,
            speaker=t.speaker,
            text=t.text,
            agenda_item_id=t.agenda_item_id if t.agenda_item_id is not None else place(t.start_ms),
            start_ms=t.start_ms,
            end_ms=t.end_ms,
        )
        for t in rows
    ]


async def _item_at(session: AsyncSession, meeting: Meeting) -> Callable[[int | None], int | None]:
    """A function from a recording time (ms) to the agenda item current then (None: none, or unknown)."""
    events = (
        await session.exec(
            select(MeetingEvent.created_at, MeetingEvent.data)
            .where(MeetingEvent.meeting_id == meeting.id, MeetingEvent.name == "agenda.current")
            .order_by(col(MeetingEvent.seq))
        )
    ).all()
    started = meeting.started_at
    times: list[datetime] = [created for created, _ in events]
    current: list[int | None] = [data.get("item_id") for _, data in events]

    def place(start_ms: int | None) -> int | None:
        if started is None or start_ms is None or not times:
            return None
        index = bisect.bisect_right(times, started + timedelta(milliseconds=start_ms)) - 1
        return current[index] if index >= 0 else None

    return place


async def _polls(session: AsyncSession, meeting_id: int) -> list[PollRecord]:
    polls = (
        await session.exec(
            select(Poll)
            .where(Poll.meeting_id == meeting_id, Poll.status == PollStatus.closed)
            .order_by(col(Poll.closed_at), col(Poll.id))
        )
    ).all()
    records = []
    for poll in polls:
        options = (
            await session.exec(
                select(PollOption).where(PollOption.poll_id == poll.id).order_by(col(PollOption.position))
            )
        ).all()
        counts, voters = await counts_of(session, poll)  # counts only: a secret poll's voters stay unnamed
        records.append(
            PollRecord(
                id=poll.id or 0,
                title=poll.title,
                agenda_item_id=poll.agenda_item_id,
                options=[(option.label, counts.get(option.id or 0, 0)) for option in options],
                voters=voters,
                base=poll.result_base or 0,
                passed=poll.passed,
                secret=poll.secret,
            )
        )
    return records


async def _opinions(
    session: AsyncSession, meeting_id: int, users: dict[int | None, User], item_titles: dict[int, str]
) -> list[OpinionRecord]:
    documents = {
        d.id: d
        for d in (await session.exec(select(Document).where(Document.meeting_id == meeting_id))).all()
        if d.id is not None
    }
    rows = await session.exec(select(Opinion).where(Opinion.meeting_id == meeting_id).order_by(col(Opinion.id)))
    records = []
    for opinion in rows.all():
        document = documents.get(opinion.document_id) if opinion.document_id is not None else None
        if document is not None and document.classification == Classification.confidential:
            continue  # what people wrote on a confidential draft stays with those who may read it
        item_id = document.agenda_item_id if document is not None else opinion.agenda_item_id
        title = document.title if document is not None else item_titles.get(opinion.agenda_item_id or 0, "")
        records.append(
            OpinionRecord(
                id=opinion.id or 0,
                agenda_item_id=item_id,
                target_title=title,
                author=_name(users.get(opinion.user_id)),
                stance=str(opinion.stance),
                text=opinion.text,
            )
        )
    return records
