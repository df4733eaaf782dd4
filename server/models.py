"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from server.agenda.models import AgendaItem
from server.assistant.models import AssistantQuestion
from server.audit import AuditEntry
from server.auth.models import AuthToken, RecoveryCode, TotpFactor, User
from server.conclusions.models import Conclusion, Task
from server.documents.models import Document, DocumentPage, DocumentReader, DocumentVersion
from server.floor.models import SpeakerRequest
from server.leases import WorkLease
from server.live.models import MeetingEvent
from server.meetings.models import Meeting, Participant
from server.minutes.models import Minutes, MinutesVersion
from server.notes.models import PrivateNote
from server.opinions.models import Opinion, OpinionRequest
from server.recordings.models import Recording
from server.transcripts.models import Transcript, TranscriptTurn, TranscriptTurnRevision
from server.votes.models import Poll, PollBallot, PollOption, PollVoter

__all__ = [
    "AgendaItem",
    "AssistantQuestion",
    "AuditEntry",
    "AuthToken",
    "RecoveryCode",
    "TotpFactor",
    "Conclusion",
    "Document",
    "DocumentPage",
    "DocumentReader",
    "DocumentVersion",
    "Meeting",
    "MeetingEvent",
    "Minutes",
    "MinutesVersion",
    "Opinion",
    "OpinionRequest",
    "Participant",
    "Poll",
    "PollBallot",
    "PollOption",
    "PollVoter",
    "PrivateNote",
    "Recording",
    "SpeakerRequest",
    "Task",
    "Transcript",
    "TranscriptTurn",
    "TranscriptTurnRevision",
    "User",
    "WorkLease",
]
