"""Every live event, as a named, typed dataclass, registered once.

An event is a small notice (ids and a few fields); clients fetch content over
HTTP. ``docs/sync-protocol.md`` lists every name here, and a test keeps the
two in step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, ClassVar

REGISTRY: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str):
            raise TypeError(f"{cls.__name__} needs a class attribute `name`")
        if name in REGISTRY:
            raise ValueError(f"event name {name!r} registered twice ({REGISTRY[name].__name__}, {cls.__name__})")
        REGISTRY[name] = cls

    def payload(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MeetingUpdated(Event):
    """Title, description, place or planned time changed."""

    name: ClassVar[str] = "meeting.updated"
    meeting: dict[str, Any]


@dataclass(frozen=True)
class MeetingStatusChanged(Event):
    """The meeting started (``live``) or closed (``closed``)."""

    name: ClassVar[str] = "meeting.status"
    status: str
    started_at: datetime | None
    closed_at: datetime | None
    version: int


@dataclass(frozen=True)
class MeetingDeleted(Event):
    """A meeting that had not started was deleted; tablets leave it (socket closed with 4404)."""

    name: ClassVar[str] = "meeting.deleted"


@dataclass(frozen=True)
class AgendaCurrent(Event):
    """The item under discussion changed (``item_id`` None: none).

    The previous item is now ``done`` and the new one ``current``; their new
    versions come along so a client can edit them without a stale-version 409.
    """

    name: ClassVar[str] = "agenda.current"
    item_id: int | None
    previous_item_id: int | None
    item_version: int | None = None
    previous_item_version: int | None = None


@dataclass(frozen=True)
class AgendaChanged(Event):
    """An item was added, edited or removed, or the order changed.

    ``action`` is ``added`` | ``updated`` | ``removed`` | ``reordered``; ``item``
    is the public item for added/updated; ``item_ids`` the removed ids (an item
    and its sub-items) or the new order of one level (``parent_id``).
    """

    name: ClassVar[str] = "agenda.changed"
    action: str
    item: dict[str, Any] | None = None
    item_ids: list[int] = field(default_factory=list)
    parent_id: int | None = None


@dataclass(frozen=True)
class ParticipantChanged(Event):
    """A participant was added, changed role or attendance, or removed (``action``)."""

    name: ClassVar[str] = "participant.changed"
    action: str
    participant: dict[str, Any]


@dataclass(frozen=True)
class DocumentAdded(Event):
    """A document was uploaded; it is ``processing`` until ``document.ready``."""

    name: ClassVar[str] = "document.added"
    document: dict[str, Any]


@dataclass(frozen=True)
class DocumentUpdated(Event):
    """Title, agenda item, classification or readers changed, or a new version was uploaded."""

    name: ClassVar[str] = "document.updated"
    document: dict[str, Any]


@dataclass(frozen=True)
class DocumentReady(Event):
    """The document's text is extracted: it can be read page by page (searchable once ``document.indexed``)."""

    name: ClassVar[str] = "document.ready"
    document: dict[str, Any]


@dataclass(frozen=True)
class DocumentIndexed(Event):
    """The current version's passages are in the search index: the assistant and search find it now
    (``document.searchable`` true; a scan's once OCR has finished every page). Its meaning vectors follow
    in the background (``document.vectors``)."""

    name: ClassVar[str] = "document.indexed"
    document: dict[str, Any]


@dataclass(frozen=True)
class DocumentVectors(Event):
    """Every passage of the current version has its meaning vector: the semantic half of search ranks the
    document from now on (``document.vectors``: ``done`` equals ``total``). Sent once per version, after
    ``document.indexed``; a document the model cannot read (no embedding model configured) never gets it."""

    name: ClassVar[str] = "document.vectors"
    document: dict[str, Any]
    done: int
    total: int


@dataclass(frozen=True)
class DocumentOcr(Event):
    """OCR finished one more scanned page of the current version (``page``, ``failed`` if it could not be
    read): ``done`` of ``total`` are finished. The page's text is searchable once it is indexed, seconds later."""

    name: ClassVar[str] = "document.ocr"
    document: dict[str, Any]
    page: int
    done: int
    total: int
    failed: bool


@dataclass(frozen=True)
class DocumentFailed(Event):
    """Processing failed; the document stays listed with status ``failed`` and the reason."""

    name: ClassVar[str] = "document.failed"
    document: dict[str, Any]
    error: str


@dataclass(frozen=True)
class DocumentRemoved(Event):
    """The document was deleted, or the receiver may no longer read it."""

    name: ClassVar[str] = "document.removed"
    document_id: int


@dataclass(frozen=True)
class Present(Event):
    """ "Follow me": tablets that follow jump to ``page`` of ``document_id`` (None: presenting stopped)."""

    name: ClassVar[str] = "present"
    document_id: int | None
    page: int | None


# The floor, written opinions, private notes, conclusions and tasks (docs/sync-protocol.md, "Running the meeting")


@dataclass(frozen=True)
class SpeakerRequested(Event):
    """Someone asked for the floor: ``request`` joins the queue (status ``waiting``)."""

    name: ClassVar[str] = "speaker.requested"
    request: dict[str, Any]


@dataclass(frozen=True)
class SpeakerWithdrawn(Event):
    """The requester took their waiting request back."""

    name: ClassVar[str] = "speaker.withdrawn"
    request_id: int


@dataclass(frozen=True)
class SpeakerRemoved(Event):
    """The chair or secretary took a waiting request off the queue."""

    name: ClassVar[str] = "speaker.removed"
    request_id: int


@dataclass(frozen=True)
class SpeakerStarted(Event):
    """``request`` has the floor (status ``speaking``, ``started_at``, ``limit_seconds``); it leaves the queue."""

    name: ClassVar[str] = "speaker.started"
    request: dict[str, Any]


@dataclass(frozen=True)
class SpeakerEnded(Event):
    """The speech of ``request_id`` ended at ``ended_at``; nobody has the floor."""

    name: ClassVar[str] = "speaker.ended"
    request_id: int
    ended_at: datetime


@dataclass(frozen=True)
class SpeakerLapsed(Event):
    """Waiting requests ``request_ids`` were closed unheard: the meeting moved on from ``agenda_item_id``
    (their item), or closed (``agenda_item_id`` None: every waiting request)."""

    name: ClassVar[str] = "speaker.lapsed"
    request_ids: list[int]
    agenda_item_id: int | None


@dataclass(frozen=True)
class SpeakerReordered(Event):
    """The queue's new order: ``request_ids`` (positions are their indexes)."""

    name: ClassVar[str] = "speaker.reordered"
    request_ids: list[int]


@dataclass(frozen=True)
class OpinionRequested(Event):
    """The chair or secretary asked every member for a written opinion on a target (created or edited)."""

    name: ClassVar[str] = "opinion.requested"
    request: dict[str, Any]


@dataclass(frozen=True)
class OpinionAdded(Event):
    """Someone recorded or replaced their opinion on ``target``: the new ``counts`` only, never who or what."""

    name: ClassVar[str] = "opinion.added"
    target: str
    document_id: int | None
    agenda_item_id: int | None
    counts: dict[str, int]


@dataclass(frozen=True)
class NoteChanged(Event):
    """One of the receiver's own notes changed on another of their devices (only they receive it)."""

    name: ClassVar[str] = "note.changed"
    document_id: int
    page: int
    count: int
    updated_at: datetime | None


@dataclass(frozen=True)
class ConclusionSet(Event):
    """The conclusion of ``agenda_item_id`` was set or edited (``conclusion`` None: cleared)."""

    name: ClassVar[str] = "conclusion.set"
    agenda_item_id: int
    conclusion: dict[str, Any] | None


@dataclass(frozen=True)
class MinutesUpdated(Event):
    """The minutes were drafted, edited, approved, signed or reopened (``action``); ``version`` is now current.

    A notice only: the content is fetched over HTTP, where drafts are shown to the chair and secretary only.
    """

    name: ClassVar[str] = "minutes.updated"
    action: str
    status: str
    version: int
    updated_by: int | None


@dataclass(frozen=True)
class TaskCreated(Event):
    """A task was assigned from this meeting."""

    name: ClassVar[str] = "task.created"
    task: dict[str, Any]


@dataclass(frozen=True)
class TaskUpdated(Event):
    """A task was edited or its status changed."""

    name: ClassVar[str] = "task.updated"
    task: dict[str, Any]


@dataclass(frozen=True)
class TaskDeleted(Event):
    """A task was deleted."""

    name: ClassVar[str] = "task.deleted"
    task_id: int


@dataclass(frozen=True)
class TranscriptAdded(Event):
    """A transcript was attached to the meeting or an item; to participants other than guests."""

    name: ClassVar[str] = "transcript.added"
    transcript: dict[str, Any]


@dataclass(frozen=True)
class TranscriptTurnChanged(Event):
    """The secretary reassigned a turn's speaker; to participants other than guests."""

    name: ClassVar[str] = "transcript.turn"
    transcript_id: int
    turn: dict[str, Any]


@dataclass(frozen=True)
class TranscriptTurnAdded(Event):
    """A live capture's speech was transcribed, a few seconds after it was said: a caption for the screens
    that show them; to participants other than guests."""

    name: ClassVar[str] = "transcript.turn_added"
    transcript_id: int
    turn: dict[str, Any]


@dataclass(frozen=True)
class RecordingLive(Event):
    """The room's microphone started or stopped being recorded; to everyone who sees the meeting (the red dot)."""

    name: ClassVar[str] = "recording.live"
    capturing: bool


@dataclass(frozen=True)
class RecordingChanged(Event):
    """A recording was uploaded, or its transcription moved on (queued, transcribing, done, failed); to those
    who read the meeting's transcripts."""

    name: ClassVar[str] = "recording.changed"
    recording: dict[str, Any]


@dataclass(frozen=True)
class TranscriptRemoved(Event):
    """A transcript was removed; to participants other than guests."""

    name: ClassVar[str] = "transcript.removed"
    transcript_id: int


# Attendance, quorum and voting (docs/sync-protocol.md, "Attendance and polls")


@dataclass(frozen=True)
class AttendanceChanged(Event):
    """Counts and quorum after a check-in, a mark, a role change, a participant added or removed, or a new
    quorum rule: ``attendance`` is the snapshot's ``attendance``."""

    name: ClassVar[str] = "attendance.changed"
    attendance: dict[str, Any]


@dataclass(frozen=True)
class PollCreated(Event):
    """A draft poll was prepared: ``poll`` is the public poll (without the receiver's own ballot fields)."""

    name: ClassVar[str] = "poll.created"
    poll: dict[str, Any]


@dataclass(frozen=True)
class PollUpdated(Event):
    """A draft poll was edited (title, options, secrecy, rule, item or document)."""

    name: ClassVar[str] = "poll.updated"
    poll: dict[str, Any]


@dataclass(frozen=True)
class PollOpened(Event):
    """Voting started: ``poll`` (status ``open``, ``opened_at``)."""

    name: ClassVar[str] = "poll.opened"
    poll: dict[str, Any]


@dataclass(frozen=True)
class PollVoted(Event):
    """Ballots came in: the counts now (``counts``: option id -> votes), how many have voted, and for an open
    (named) poll the ballots cast or changed since the previous ``poll.voted`` (``ballots``: user_id,
    option_id). A secret poll's carries only ``voters`` (``counts`` and ``ballots`` empty), and no actor: its
    counts first appear in ``poll.closed``."""

    name: ClassVar[str] = "poll.voted"
    poll_id: int
    counts: dict[str, int]
    voters: int
    ballots: list[dict[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class PollClosed(Event):
    """Voting ended: ``poll`` with the final counts, every ballot of an open poll, and ``result``."""

    name: ClassVar[str] = "poll.closed"
    poll: dict[str, Any]


@dataclass(frozen=True)
class PollDeleted(Event):
    """A draft poll was deleted."""

    name: ClassVar[str] = "poll.deleted"
    poll_id: int
