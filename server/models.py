"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from server.agenda.models import AgendaItem
from server.assistant.models import AssistantQuestion
from server.audit import AuditEntry
from server.auth.models import AuthToken, User
from server.documents.models import Document, DocumentPage, DocumentReader, DocumentVersion
from server.live.models import MeetingEvent
from server.meetings.models import Meeting, Participant

__all__ = [
    "AgendaItem",
    "AssistantQuestion",
    "AuditEntry",
    "AuthToken",
    "Document",
    "DocumentPage",
    "DocumentReader",
    "DocumentVersion",
    "Meeting",
    "MeetingEvent",
    "Participant",
    "User",
]
