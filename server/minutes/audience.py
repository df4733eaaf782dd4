"""Who may read each line of the minutes: the one place the rule lives.

Every line of a Biên bản carries its evidence, and a line reaches exactly the people its sources reach
(server/documents/access.py, server/opinions/service.py, transcripts):

- a document (a page quoted, or its title): the document's readers: public → everyone in the meeting,
  internal → everyone but guests, confidential → the chair, the secretary and the users named on it;
- a transcript turn: everyone but guests (transcripts are internal material);
- written opinions: a line citing several is their count, for whoever sees the target (an agenda item:
  everyone; a document: its readers); a line citing one states that opinion and its author, which only
  the chair and the secretary see;
- the meeting, attendance, agenda items, speeches from the floor, closed polls, conclusions, tasks:
  everyone who sees the meeting, as the meeting's own routes show them;
- a line without evidence: the secretary's own words, for everyone who may read the minutes.

A line needs every one of its sources. Evidence naming a document, transcript or opinion that is not this
meeting's (or no longer exists) keeps the line for the chair and the secretary (and administrators, who
manage every meeting). The chair and the secretary read every line; anyone else, administrators included
(a confidential document is not theirs unless they are named on it), reads an extract of the lines they
may read, marked as such, and never the signed PDF unless that extract is the whole text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.minutes_content import Line, MinutesContent, Section
from server.documents.access import visible_documents
from server.documents.models import Document
from server.meetings.access import MANAGING_ROLES, MeetingAccess
from server.meetings.models import MeetingRole
from server.opinions.models import Opinion
from server.transcripts.models import Transcript

EXTRACT_MARK = {"vi": " (BẢN TRÍCH)", "en": " (EXTRACT)"}
"""Added to the document kind of an extract: a reader can tell it is not the whole text."""

# the evidence kinds every viewer of the meeting may read at their source
_OPEN_KINDS = frozenset({"meeting", "attendance", "agenda_item", "speech", "poll", "conclusion", "task"})


@dataclass(frozen=True)
class Audience:
    """What reading a line takes: being more than a guest, reading each of `documents`, or being the chair
    or secretary. The empty audience is everyone who sees the meeting."""

    participants: bool = False
    documents: frozenset[int] = frozenset()
    managers: bool = False

    def __or__(self, other: Audience) -> Audience:
        return Audience(
            self.participants or other.participants, self.documents | other.documents, self.managers or other.managers
        )


EVERYONE = Audience()
PARTICIPANTS = Audience(participants=True)
MANAGERS = Audience(managers=True)


@dataclass(frozen=True)
class Sources:
    """The meeting's sources a line can cite, as the database holds them now."""

    meeting_id: int
    documents: frozenset[int] = frozenset()
    transcripts: frozenset[int] = frozenset()
    opinions: dict[int, int | None] = field(default_factory=dict)
    """Opinion id -> the document it is on (None: on an agenda item)."""


@dataclass(frozen=True)
class Reader:
    """One reader of the minutes: everything (the chair and the secretary), or what their role and the
    documents they may read allow (`manager`: an administrator, who reads what the chair and secretary
    read except confidential documents they are not named on)."""

    full: bool
    guest: bool = True
    manager: bool = False
    documents: frozenset[int] = frozenset()

    def may_read(self, audience: Audience) -> bool:
        if self.full:
            return True
        if (audience.managers and not self.manager) or (audience.participants and self.guest):
            return False
        return audience.documents <= self.documents


async def meeting_sources(session: AsyncSession, meeting_id: int) -> Sources:
    documents = await session.exec(select(Document.id).where(Document.meeting_id == meeting_id))
    transcripts = await session.exec(select(Transcript.id).where(Transcript.meeting_id == meeting_id))
    opinions = await session.exec(select(Opinion.id, Opinion.document_id).where(Opinion.meeting_id == meeting_id))
    return Sources(
        meeting_id=meeting_id,
        documents=frozenset(i for i in documents.all() if i is not None),
        transcripts=frozenset(i for i in transcripts.all() if i is not None),
        opinions={i: document for i, document in opinions.all() if i is not None},
    )


async def reader_of(session: AsyncSession, access: MeetingAccess) -> Reader:
    if access.meeting_role in MANAGING_ROLES:
        return Reader(full=True)
    readable = await visible_documents(session, access)
    return Reader(
        full=False,
        guest=access.meeting_role is MeetingRole.guest,
        manager=access.principal.is_admin,
        documents=frozenset(d.id for d in readable if d.id is not None),
    )


def line_audience(line: Line, sources: Sources) -> Audience:
    """Who may read `line`: every source it cites must be readable."""
    audience = EVERYONE
    opinions = [e.id for e in line.evidence if e.kind == "opinion"]
    for evidence in line.evidence:
        if evidence.kind in _OPEN_KINDS:
            continue
        if evidence.kind == "document":
            audience |= Audience(documents=frozenset({evidence.id})) if evidence.id in sources.documents else MANAGERS
        elif evidence.kind == "transcript":
            audience |= PARTICIPANTS if evidence.id in sources.transcripts else MANAGERS
        elif evidence.kind == "opinion" and evidence.id in sources.opinions and len(opinions) > 1:
            target = sources.opinions[evidence.id]
            audience |= Audience(documents=frozenset({target})) if target is not None else EVERYONE
        else:  # one opinion quoted with its author, an opinion not of this meeting, or a kind not known here
            audience |= MANAGERS
    return audience


def extract(content: MinutesContent, sources: Sources, reader: Reader) -> tuple[MinutesContent, bool]:
    """The minutes as `reader` may read them, and whether that is the whole text. An extract keeps every
    section heading (the agenda is everyone's), drops the lines the reader may not read, names no opinion's
    author in the evidence, and says in its title that it is an extract."""
    if reader.full:
        return content, True
    sections: list[Section] = []
    whole = True
    for section in content.sections:
        lines = []
        for line in section.lines:
            if not reader.may_read(line_audience(line, sources)):
                whole = False
                continue
            evidence = [dataclasses.replace(e, label="") if e.kind == "opinion" else e for e in line.evidence]
            lines.append(dataclasses.replace(line, evidence=evidence))
        sections.append(dataclasses.replace(section, lines=lines))
    shown = dataclasses.replace(content, sections=sections)
    if not whole:
        kind = content.header.kind + EXTRACT_MARK.get(content.language, EXTRACT_MARK["vi"])
        shown.header = dataclasses.replace(content.header, kind=kind)
    return shown, whole


def by_audience(content: MinutesContent, sources: Sources) -> dict[Audience, list[tuple[int, Section]]]:
    """The sections' lines grouped by who may read them (each group's sections keep their place number):
    what the assistant indexes as separate passages, so a search never ranks a line its reader may not read."""
    groups: dict[Audience, list[tuple[int, Section]]] = {}
    for number, section in enumerate(content.sections):
        lines_of: dict[Audience, list[Line]] = {}
        for line in section.lines:
            lines_of.setdefault(line_audience(line, sources), []).append(line)
        for audience, lines in lines_of.items():
            groups.setdefault(audience, []).append((number, dataclasses.replace(section, lines=lines)))
    return groups


async def meeting_documents(session: AsyncSession, meeting_id: int) -> list[int]:
    """The meeting's document ids: the keys of its ``minutes_document`` passages."""
    rows = await session.exec(select(Document.id).where(Document.meeting_id == meeting_id).order_by(col(Document.id)))
    return [i for i in rows.all() if i is not None]
