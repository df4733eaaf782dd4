"""What goes out of the recordings API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from server.recordings.models import Recording, RecordingStatus


class RecordingPublic(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    filename: str
    status: RecordingStatus
    error: str | None = Field(description="Why transcription failed (status failed), else None")
    transcript_id: int | None = Field(
        description="The transcript its turns go into (read them at /api/meetings/{id}/transcripts/{transcript_id})"
    )
    duration_ms: int | None
    progress_ms: int = Field(description="How far into the audio the transcript has reached")
    recorded_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    audio_kept: bool = Field(description="The audio is still stored (retention may have deleted it)")


def recording_public(recording: Recording) -> RecordingPublic:
    assert recording.id is not None
    return RecordingPublic(
        id=recording.id,
        meeting_id=recording.meeting_id,
        agenda_item_id=recording.agenda_item_id,
        filename=recording.filename,
        status=recording.status,
        error=recording.error,
        transcript_id=recording.transcript_id,
        duration_ms=recording.duration_ms,
        progress_ms=recording.progress_ms,
        recorded_at=recording.recorded_at,
        created_at=recording.created_at,
        finished_at=recording.finished_at,
        audio_kept=recording.audio_path is not None,
    )
