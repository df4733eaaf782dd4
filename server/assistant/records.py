"""Meeting records the assistant answers from besides documents: transcripts, conclusions, tasks, poll
results and approved minutes, each read from the database as passages (``assistant.chunk.Chunk``).

A record is a *source* ``(kind, key)``:

- ``("transcript", transcript id)``: windows of consecutive turns (assistant.transcript.chunk_turns);
- ``("conclusion", agenda item id)``: the item's conclusion (kết luận), one per item;
- ``("task", task id)``: the task (giao việc) with its *current* status, owner and deadline;
- ``("poll", poll id)``: a closed poll's result, counts per option and passed/failed (never who voted);
- ``("minutes", meeting id)``: the meeting's last approved minutes (biên bản), a passage per section, of the
  lines everyone who sees the meeting may read; the other lines are passages of their own audience
  (server/minutes/audience.py): ``("minutes_internal", meeting id)`` everyone but guests,
  ``("minutes_document", document id)`` the document's readers, ``("minutes_restricted", meeting id)`` the
  chair and the secretary.

Who may cite them: transcripts as internal documents (participants but guests, administrators); minutes
passages their audience; the others everyone who sees the meeting, as the meeting's own routes show them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.chunk import Chunk
from assistant.minutes_content import InvalidMinutes, MinutesContent
from assistant.retriever import SearchHit
from assistant.transcript import Turn, chunk_turns
from server.agenda.models import AgendaItem
from server.auth.models import User
from server.auth.service import Principal
from server.conclusions.models import Conclusion, Task
from server.documents.access import readable_documents
from server.documents.models import Document
from server.localtime import to_local
from server.meetings.access import MANAGING_ROLES
from server.meetings.models import Meeting, MeetingRole, Participant
from server.minutes.audience import EVERYONE, PARTICIPANTS, Audience, by_audience, meeting_documents, meeting_sources
from server.minutes.models import MinutesVersion
from server.transcripts.models import Transcript, TranscriptTurn
from server.votes.models import Poll, PollOption, PollStatus
from server.votes.reading import counts_of

log = logging.getLogger(__name__)
MINUTES_KINDS = ("minutes", "minutes_internal", "minutes_document", "minutes_restricted")
KINDS = ("transcript", "conclusion", "task", "poll", *MINUTES_KINDS)
STATUS_WORDS = {
    "open": "chưa thực hiện (open: not done, not started)",
    "in_progress": "đang thực hiện (in progress, not done yet)",
    "done": "đã hoàn thành (done, completed)",
    "cancelled": "đã huỷ (cancelled)",
}


STATUS_NAMES = {
    "vi": {"open": "chưa thực hiện", "in_progress": "đang thực hiện", "done": "đã hoàn thành", "cancelled": "đã huỷ"},
    "en": {"open": "not started", "in_progress": "in progress", "done": "done", "cancelled": "cancelled"},
}


def task_status_line(task: Task, language: str) -> str:
    """One sentence with the task's current status, for an answer about the decision it came from."""
    names = STATUS_NAMES.get(language, STATUS_NAMES["vi"])
    status = names.get(str(task.status), str(task.status))
    owner = f" ({task.assigned_unit})" if task.assigned_unit else ""
    if language == "en":
        due = f", due {task.deadline:%d/%m/%Y}" if task.deadline else ""
        return f"Task “{task.title}”{owner}{due}: {status}."
    due = f", hạn {task.deadline:%d/%m/%Y}" if task.deadline else ""
    return f"Nhiệm vụ “{task.title}”{owner}{due}: {status}."


@dataclass(frozen=True)
class Passage:
    """A record passage as indexed and as shown. ``chunk.text`` is what the index ranks: the record's words
    with the kind's words in both languages ("Kết luận, quyết định (conclusion: what we decide ...)"), so an
    English question finds a Vietnamese record; ``shown`` is what an answer, a citation or a search hit
    quotes: the record's own words, never those glosses."""

    chunk: Chunk
    shown: str


def _record(kind: str, key: int, text: str, shown: str) -> Passage:
    chunk = Chunk(id=f"{kind}:{key}", doc_id=key, version=1, page=1, start=0, end=len(text), text=text, kind=kind)
    return Passage(chunk, shown)


def _sentence(text: str) -> str:
    """``text`` ending as a sentence (a record typed without a full stop gets one, one typed with keeps it)."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…" else f"{text}."


def _meeting_day(meeting: Meeting, timezone: str) -> str:
    moment = meeting.starts_at or meeting.started_at or meeting.created_at
    # the day the meeting was held there, not in UTC
    return f"{to_local(moment, timezone):%d/%m/%Y}" if moment is not None else ""


def _meeting_line(meeting: Meeting | None, timezone: str) -> str:
    if meeting is None:
        return ""
    day = _meeting_day(meeting, timezone)
    if not day:
        return f"Cuộc họp (meeting) {meeting.title}"
    return f"Cuộc họp (meeting) {meeting.title}, ngày (date) {day}, tháng (month) {day[3:]}"


def _meeting_shown(meeting: Meeting | None, timezone: str, language: str) -> str:
    """The meeting a record is from, as a reader is shown it: its title and day."""
    if meeting is None:
        return ""
    day = _meeting_day(meeting, timezone)
    if language == "en":
        return f"Meeting “{meeting.title}”" + (f", {day}." if day else ".")
    return f"Cuộc họp “{meeting.title}”" + (f", ngày {day}." if day else ".")


async def record_chunks(session: AsyncSession, kind: str, key: int, timezone: str) -> list[Chunk]:
    """The passages of source ``(kind, key)`` as the database has it now, as indexed (none: it is gone or
    not indexed); dates in them are the organisation's (``timezone``)."""
    return [passage.chunk for passage in await record_passages(session, kind, key, timezone)]


async def record_passages(
    session: AsyncSession, kind: str, key: int, timezone: str, language: str = "vi"
) -> list[Passage]:
    """The passages of source ``(kind, key)`` as the database has it now, each as indexed and as shown in
    ``language`` (a task's status and a poll's verdict are words of the reader's language)."""
    if kind == "transcript":
        return [Passage(chunk, chunk.text) for chunk in await _transcript(session, key)]
    if kind == "conclusion":
        return await _conclusion(session, key, timezone, language)
    if kind == "task":
        return await _task(session, key, timezone, language)
    if kind == "poll":
        return await _poll(session, key, timezone, language)
    if kind in MINUTES_KINDS:
        return await _minutes(session, kind, key, timezone)
    raise ValueError(f"unknown record kind {kind!r}")


async def shown_hits(session: AsyncSession, hits: list[SearchHit], timezone: str, language: str) -> list[SearchHit]:
    """``hits`` with each record passage's indexed text replaced by its shown text (Passage), as the
    database has the record now, so what the answerer quotes and a search hit shows is the record's own
    words; a hit whose passage is gone since it was indexed is left out. Document pages and transcript
    windows are their material's words already and pass unchanged."""
    shown: dict[tuple[str, int], dict[str, str]] = {}
    kept = []
    for hit in hits:
        chunk = hit.chunk
        if chunk.kind in ("document", "transcript"):
            kept.append(hit)
            continue
        source = (chunk.kind, chunk.doc_id)
        if source not in shown:
            passages = await record_passages(session, *source, timezone, language)
            shown[source] = {passage.chunk.id: passage.shown for passage in passages}
        text = shown[source].get(chunk.id)
        if text is not None:
            kept.append(replace(hit, chunk=replace(chunk, text=text, start=0, end=len(text))))
    return kept


def one_mention_per_task(text: str, titles: list[str]) -> str:
    """``text`` (an answer) with each task of ``titles`` stated once: where several of its sentences name a
    task (the minutes' line that gave it, the task's own line, the status added for a decision's task), the
    task's own line ("Nhiệm vụ “<title>” …: <status>", with its current status) is kept and the others go."""
    if not any(titles):
        return text
    parts = [part for part in re.split(r"(?<=[.!?])\s+", text) if part]
    for title in dict.fromkeys(t for t in titles if t):
        naming = [i for i, part in enumerate(parts) if title in part]
        if len(naming) < 2:
            continue
        own = [i for i in naming if f"“{title}”" in parts[i]]
        keep = own[-1] if own else naming[0]
        parts = [part for i, part in enumerate(parts) if i == keep or i not in naming]
    return " ".join(parts)


async def _transcript(session: AsyncSession, transcript_id: int) -> list[Chunk]:
    rows = (
        await session.exec(
            select(TranscriptTurn)
            .where(TranscriptTurn.transcript_id == transcript_id)
            .order_by(col(TranscriptTurn.position))
        )
    ).all()
    turns = [Turn(t.speaker, t.text, t.start_ms, t.end_ms) for t in rows]
    return chunk_turns(transcript_id, turns) if turns else []


async def _conclusion(session: AsyncSession, item_id: int, timezone: str, language: str) -> list[Passage]:
    conclusion = (await session.exec(select(Conclusion).where(Conclusion.agenda_item_id == item_id))).first()
    item = await session.get(AgendaItem, item_id)
    if conclusion is None or item is None:
        return []
    meeting = await session.get(Meeting, conclusion.meeting_id)
    # the kind's words in both languages, so "what did we decide" finds a conclusion as "kết luận" does
    label = "Kết luận, quyết định (conclusion: what we decide, decided, the decision)"
    text = f"{label} về {item.title}: {conclusion.text}. {_meeting_line(meeting, timezone)}."
    # the item is the citation's title ("Kết luận: <item>"); the passage is the conclusion as stated, which
    # the minutes' line recording it contains, so an answer quoting both says it once (answer._distinct)
    shown = f"{_sentence(conclusion.text)} {_meeting_shown(meeting, timezone, language)}"
    return [_record("conclusion", item_id, text, shown.strip())]


def _task_shown(task: Task, owner: User | None, language: str) -> str:
    """The task in one sentence: its title, unit and person, deadline and current status."""
    names = STATUS_NAMES.get(language, STATUS_NAMES["vi"])
    status = names.get(str(task.status), str(task.status))
    who = "; ".join(part for part in (task.assigned_unit, owner.display_name if owner else "") if part)
    owner_part = f" ({who})" if who else ""
    if language == "en":
        due = f", due {task.deadline:%d/%m/%Y}" if task.deadline else ""
        return f"Task “{task.title}”{owner_part}{due}: {status}."
    due = f", hạn {task.deadline:%d/%m/%Y}" if task.deadline else ""
    return f"Nhiệm vụ “{task.title}”{owner_part}{due}: {status}."


async def _task(session: AsyncSession, task_id: int, timezone: str, language: str) -> list[Passage]:
    task = await session.get(Task, task_id)
    if task is None:
        return []
    meeting = await session.get(Meeting, task.meeting_id)
    owner = await session.get(User, task.assignee_id) if task.assignee_id else None
    item = await session.get(AgendaItem, task.agenda_item_id) if task.agenda_item_id else None
    parts = [f"Nhiệm vụ (task) {task.title}"]
    if task.assigned_unit:
        parts.append(f"đơn vị thực hiện (unit) {task.assigned_unit}")
    if owner is not None:
        parts.append(f"người thực hiện (assignee) {owner.display_name}")
    if task.deadline:
        parts.append(f"hạn (deadline) {task.deadline:%d/%m/%Y}")
    parts.append(f"trạng thái hiện tại (status): {STATUS_WORDS.get(str(task.status), str(task.status))}")
    if item is not None:
        parts.append(f"giao tại mục {item.title}")
    text = "; ".join(parts) + f". {_meeting_line(meeting, timezone)}."
    shown = f"{_task_shown(task, owner, language)} {_meeting_shown(meeting, timezone, language)}"
    return [_record("task", task_id, text, shown.strip())]


POLL_WORDS = {
    "vi": ("Biểu quyết", "thông qua", "không thông qua", "{voters} người bỏ phiếu trên {base}"),
    "en": ("Vote", "passed", "not passed", "{voters} voted of {base}"),
}


async def _poll(session: AsyncSession, poll_id: int, timezone: str, language: str) -> list[Passage]:
    poll = await session.get(Poll, poll_id)
    if poll is None or poll.status != PollStatus.closed:
        return []
    meeting = await session.get(Meeting, poll.meeting_id)
    options = (await session.exec(select(PollOption).where(PollOption.poll_id == poll_id))).all()
    counts, voters = await counts_of(session, poll)  # counts only: never who voted
    tally = ", ".join(f"{option.label}: {counts.get(option.id or 0, 0)}" for option in options)
    verdict = "thông qua (passed)" if poll.passed else "không thông qua (failed, rejected)"
    text = (
        f"Kết quả biểu quyết (vote result) {poll.title}: {verdict}; {tally}; "
        f"{voters} người bỏ phiếu trên {poll.result_base or 0}. {_meeting_line(meeting, timezone)}."
    )
    kind_word, passed, failed, turnout = POLL_WORDS.get(language, POLL_WORDS["vi"])
    shown = (
        f"{kind_word} “{poll.title}”: {passed if poll.passed else failed}; {tally}; "
        f"{turnout.format(voters=voters, base=poll.result_base or 0)}. {_meeting_shown(meeting, timezone, language)}"
    )
    return [_record("poll", poll_id, text, shown.strip())]


def minutes_source(audience: Audience, meeting_id: int) -> tuple[str, int]:
    """The source that holds the minutes lines of `audience`: one a search can allow or refuse whole."""
    if audience == EVERYONE:
        return ("minutes", meeting_id)
    if audience == PARTICIPANTS:
        return ("minutes_internal", meeting_id)
    if not audience.participants and not audience.managers and len(audience.documents) == 1:
        return ("minutes_document", next(iter(audience.documents)))
    return ("minutes_restricted", meeting_id)


async def minutes_sources(session: AsyncSession, meeting_id: int) -> list[tuple[str, int]]:
    """Every source a meeting's minutes may have passages in."""
    sources = [(kind, meeting_id) for kind in MINUTES_KINDS if kind != "minutes_document"]
    return sources + [("minutes_document", d) for d in await meeting_documents(session, meeting_id)]


async def _minutes(session: AsyncSession, kind: str, key: int, timezone: str) -> list[Passage]:
    """The lines of the meeting's last approved minutes (biên bản) that source ``(kind, key)`` holds, a
    passage per section."""
    meeting_id = key
    if kind == "minutes_document":
        document = await session.get(Document, key)
        if document is None:
            return []
        meeting_id = document.meeting_id
    version = (
        await session.exec(
            select(MinutesVersion)
            .where(MinutesVersion.meeting_id == meeting_id, col(MinutesVersion.approved_at).is_not(None))
            .order_by(col(MinutesVersion.number).desc())
        )
    ).first()
    if version is None:
        return []
    try:
        content = MinutesContent.from_dict(version.content)
    except InvalidMinutes as exc:  # stored content is validated on every save: this is damage, say so
        log.warning("approved minutes of meeting %s are unreadable (%s); not indexed", meeting_id, exc)
        return []
    meeting = await session.get(Meeting, meeting_id)
    groups = by_audience(content, await meeting_sources(session, meeting_id))
    sections = [found for audience, found in groups.items() if minutes_source(audience, meeting_id) == (kind, key)]
    passages = []
    for number, section in sorted(found for group in sections for found in group):
        body = " ".join(line.text for line in section.lines)
        if not body.strip():
            continue
        heading = f"{section.heading} " if section.heading else ""
        line = f"Biên bản đã duyệt (approved minutes) {_meeting_line(meeting, timezone)}: {heading}{body}"
        # the section as the minutes print it: its heading (a paragraph of its own, so no quoted sentence
        # starts with it), then its lines, each a sentence
        said = " ".join(_sentence(line.text) for line in section.lines if line.text.strip())
        title = " ".join(section.heading.split()).rstrip(":")
        shown = f"{title}:\n\n{said}" if title else said
        chunk = Chunk(
            id=f"{kind}:{key}:{number}",
            doc_id=key,
            version=1,
            page=number + 1,
            start=0,
            end=len(line),
            text=line,
            kind=kind,
        )
        passages.append(Passage(chunk, shown))
    return passages


async def linked(session: AsyncSession, kind: str, key: int) -> list[tuple[str, int]]:
    """The records that belong with source ``(kind, key)`` in an answer: an item's conclusion and the
    tasks given under it, either way (a question on a decision asks after its tasks, and the reverse)."""
    if kind == "conclusion":
        tasks = await session.exec(select(Task.id).where(Task.agenda_item_id == key).order_by(col(Task.id)))
        return [("task", i) for i in tasks.all() if i is not None]
    if kind == "task":
        task = await session.get(Task, key)
        if task is not None and task.agenda_item_id is not None:
            found = await session.exec(select(Conclusion.id).where(Conclusion.agenda_item_id == task.agenda_item_id))
            if found.first() is not None:
                return [("conclusion", task.agenda_item_id)]
    return []


async def every_record(session: AsyncSession) -> list[tuple[str, int]]:
    """Every source the database holds now (for reconciling the index on start)."""
    sources: list[tuple[str, int]] = []
    sources += [("transcript", i) for i in (await session.exec(select(Transcript.id))).all() if i is not None]
    sources += [("conclusion", i) for i in (await session.exec(select(Conclusion.agenda_item_id))).all()]
    sources += [("task", i) for i in (await session.exec(select(Task.id))).all() if i is not None]
    closed = select(Poll.id).where(Poll.status == PollStatus.closed)
    sources += [("poll", i) for i in (await session.exec(closed)).all() if i is not None]
    approved = select(MinutesVersion.meeting_id).where(col(MinutesVersion.approved_at).is_not(None)).distinct()
    for meeting_id in (await session.exec(approved)).all():
        sources += await minutes_sources(session, meeting_id)
    return sources


async def readable_records(
    session: AsyncSession, principal: Principal, meeting_ids: set[int] | None = None
) -> dict[tuple[str, int], int]:
    """Every record source ``principal`` may cite, with its meeting id, in every meeting they see (or only
    ``meeting_ids``)."""
    roles: dict[int, MeetingRole | None] = {}
    if principal.is_admin:
        roles = {m: None for m in (await session.exec(select(Meeting.id))).all() if m is not None}
    mine = await session.exec(
        select(Participant.meeting_id, Participant.role).where(Participant.user_id == principal.id)
    )
    roles.update((meeting, MeetingRole(role)) for meeting, role in mine.all())
    if meeting_ids is not None:
        roles = {m: r for m, r in roles.items() if m in meeting_ids}
    if not roles:
        return {}
    within = list(roles)
    sources: dict[tuple[str, int], int] = {}
    readers = [m for m, role in roles.items() if role is not MeetingRole.guest]
    if readers:
        rows = await session.exec(
            select(Transcript.id, Transcript.meeting_id).where(col(Transcript.meeting_id).in_(readers))
        )
        sources.update((("transcript", i), m) for i, m in rows.all() if i is not None)
    rows2 = await session.exec(
        select(Conclusion.agenda_item_id, Conclusion.meeting_id).where(col(Conclusion.meeting_id).in_(within))
    )
    sources.update((("conclusion", i), m) for i, m in rows2.all())
    rows3 = await session.exec(select(Task.id, Task.meeting_id).where(col(Task.meeting_id).in_(within)))
    sources.update((("task", i), m) for i, m in rows3.all() if i is not None)
    rows4 = await session.exec(
        select(Poll.id, Poll.meeting_id).where(col(Poll.meeting_id).in_(within), Poll.status == PollStatus.closed)
    )
    sources.update((("poll", i), m) for i, m in rows4.all() if i is not None)
    sources.update((("minutes", m), m) for m in within)
    sources.update((("minutes_internal", m), m) for m in readers)
    managed = [m for m, role in roles.items() if principal.is_admin or role in MANAGING_ROLES]
    sources.update((("minutes_restricted", m), m) for m in managed)
    documents = await readable_documents(session, principal, ready_only=False)
    sources.update((("minutes_document", d), doc.meeting_id) for d, doc in documents.items() if doc.meeting_id in roles)
    return sources


async def describe(
    session: AsyncSession, chunk: Chunk, snippet: str, span: tuple[int, int] | None = None
) -> dict[str, Any]:
    """Citation fields of a record passage: its title, and for a transcript the span of turns cited (`span`:
    first and last position, inclusive; None: the turn whose line holds the quoted words), their speakers,
    when the first starts and the last ends; for a task its current status."""
    from assistant.transcript import format_time

    kind, key = chunk.kind, chunk.doc_id
    fields: dict[str, Any] = {"kind": kind, "source_id": key, "document_id": None}
    if kind == "transcript":
        transcript = await session.get(Transcript, key)
        if span is None:
            lines = chunk.text.split("\n")
            core = snippet.strip(" …").split("…")[0].strip()[:60]
            offset = next((i for i, line in enumerate(lines) if core and core in line), 0)
            position = chunk.start + min(offset, max(0, chunk.end - chunk.start - 1))
            span = (position, position)
        first, last = span
        turns = (
            await session.exec(
                select(TranscriptTurn)
                .where(
                    TranscriptTurn.transcript_id == key,
                    col(TranscriptTurn.position) >= first,
                    col(TranscriptTurn.position) <= last,
                )
                .order_by(col(TranscriptTurn.position))
            )
        ).all()
        speakers = list(dict.fromkeys(turn.speaker for turn in turns)) or [chunk.speaker]
        opening, closing = (turns[0], turns[-1]) if turns else (None, None)
        fields.update(
            title=transcript.filename if transcript else "",
            transcript_id=key,
            turn=first,
            turn_last=last,
            page=first + 1,
            speaker=speakers[0],
            speakers=speakers,
            start=format_time(opening.start_ms) if opening and opening.start_ms is not None else None,
            end=format_time(closing.end_ms) if closing and closing.end_ms is not None else None,
        )
    elif kind == "conclusion":
        item = await session.get(AgendaItem, key)
        fields["title"] = f"Kết luận: {item.title}" if item else "Kết luận"
    elif kind == "task":
        task = await session.get(Task, key)
        fields.update(title=task.title if task else "", status=str(task.status) if task else None)
    elif kind == "poll":
        poll = await session.get(Poll, key)
        fields["title"] = f"Biểu quyết: {poll.title}" if poll else "Biểu quyết"
    elif kind in MINUTES_KINDS:
        document = await session.get(Document, key) if kind == "minutes_document" else None
        meeting = await session.get(Meeting, document.meeting_id if document else key)
        fields["title"] = f"Biên bản: {meeting.title}" if meeting else "Biên bản"
    return fields
