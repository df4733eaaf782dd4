"""Recordings: the meeting's secretary (or an administrator) uploads one; whoever reads transcripts reads it.

An upload is hostile input: it streams to a temp file with a size limit, its first seconds are decoded
(PyAV) before anything is stored, and only then is it moved under the meeting and queued for the speech
worker. The worker files its turns into a transcript of the existing store (``server/transcripts``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.speech import AudioInfo, InvalidAudio, excerpt_wav, probe_audio
from documents.store import Upload
from server.agenda.models import AgendaItem
from server.audit import audit
from server.db import on_commit, utcnow
from server.documents.upload import ReceivedUpload
from server.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from server.events import RecordingChanged, RecordingLive
from server.live.context import ChangeContext
from server.meetings.access import load_access
from server.meetings.rules import require_open
from server.recordings.models import LIVE_FILENAME_PREFIX, Recording, RecordingStatus
from server.recordings.schemas import RecordingPublic, recording_public
from server.recordings.storage import LIVE_RATE, WAV_HEADER_BYTES, RecordingStore
from server.transcripts.models import TranscriptTurn
from server.transcripts.service import may_read_transcripts, transcript_audience

MAX_CHUNK_BYTES = 10 * 32_000
"""A live chunk is at most 10 s of 16 kHz 16-bit sound (the console sends one a second)."""


async def capturing_now(session: AsyncSession, meeting_id: int) -> bool:
    """Whether the meeting's room is being recorded live (the snapshot's ``recording.capturing``)."""
    found = await session.exec(
        select(Recording.id).where(Recording.meeting_id == meeting_id, Recording.status == RecordingStatus.capturing)
    )
    return found.first() is not None


def finish_capture(recording: Recording) -> None:
    """A capture ends: what was captured is queued for transcription (nothing captured: failed)."""
    if recording.duration_ms:
        recording.status = RecordingStatus.queued
    else:
        recording.status = RecordingStatus.failed
        recording.error = "No sound was captured"
        recording.finished_at = utcnow()


def parse_item_id(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid("agenda_item_id must be a number", "agenda_item_id phải là số") from None


def parse_recorded_at(value: str | None) -> datetime | None:
    """``recorded_at``: when the audio starts (ISO 8601 with a time zone), so turns follow the floor."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Invalid(
            "recorded_at must be a date and time with its time zone (ISO 8601)",
            "recorded_at phải là ngày giờ kèm múi giờ (ISO 8601)",
        )
    return moment


class RecordingService:
    def __init__(
        self,
        ctx: ChangeContext,
        store: RecordingStore,
        queued: Callable[[], None],
        max_minutes: int | None = None,
        heard: Callable[[], None] | None = None,
    ) -> None:
        """``queued()`` wakes the speech worker once a new recording is committed, ``heard()`` its live captions
        once a chunk of a live capture is; a recording longer than ``max_minutes`` is refused."""
        self.max_duration_ms = max_minutes * 60_000 if max_minutes is not None else None
        self.ctx = ctx
        self.session = ctx.session
        self.store = store
        self.queued = queued
        self.heard = heard

    async def check_can_upload(self, meeting_id: int) -> None:
        """The meeting's secretary, an administrator, or a recorder taking part (`MeetingAccess.can_record`);
        refused before the body is read."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if not access.can_record:
            raise Forbidden(
                "Only the meeting's secretary or its room's recorder records the meeting",
                "Chỉ thư ký cuộc họp hoặc máy ghi âm của phòng họp được ghi âm cuộc họp",
            )
        await self.session.rollback()  # no lock held while the file streams in

    async def create(self, meeting_id: int, received: ReceivedUpload) -> RecordingPublic:
        upload = received.upload
        assert upload is not None
        item_id = parse_item_id(received.value("agenda_item_id"))
        recorded_at = parse_recorded_at(received.value("recorded_at"))
        info = await self._probe(upload)
        await self.check_can_upload(meeting_id)
        await self._check_item(meeting_id, item_id)
        filename = (received.filename or "recording")[-255:]
        relative = self.store.keep(meeting_id, upload, filename)
        on_commit(self.session, self.queued)
        try:
            recording = Recording(
                meeting_id=meeting_id,
                agenda_item_id=item_id,
                filename=filename,
                audio_path=relative,
                size_bytes=upload.size,
                format=info.format,
                duration_ms=info.duration_ms,
                recorded_at=recorded_at,
                created_by=self.ctx.principal.id,
            )
            self.session.add(recording)
            await self.session.flush()
            assert recording.id is not None
            public = recording_public(recording)
            audience = await transcript_audience(self.session, meeting_id)
            await self.ctx.emit(meeting_id, RecordingChanged(recording=public.model_dump(mode="json")), audience)
            audit(
                self.session,
                self.ctx.principal.id,
                "recording.add",
                "recording",
                recording.id,
                meeting_id=meeting_id,
                filename=filename,
                bytes=upload.size,
                agenda_item_id=item_id,
            )
            await self.session.commit()
        except BaseException:
            self.store.delete(relative)
            raise
        return public

    async def start_live(self, meeting_id: int, agenda_item_id: int | None) -> RecordingPublic:
        """Open a recording the console's microphone fills chunk by chunk (`append`), until `stop`."""
        await self.check_can_upload(meeting_id)
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        await self._check_item(meeting_id, agenda_item_id)
        relative = self.store.start_live(meeting_id)
        try:
            recording = Recording(
                meeting_id=meeting_id,
                agenda_item_id=agenda_item_id,
                filename=f"{LIVE_FILENAME_PREFIX}{utcnow():%Y%m%d-%H%M%S}.wav",
                audio_path=relative,
                size_bytes=WAV_HEADER_BYTES,
                format="wav",
                duration_ms=0,
                status=RecordingStatus.capturing,
                created_by=self.ctx.principal.id,
            )
            self.session.add(recording)
            await self.session.flush()
            assert recording.id is not None
            public = await self._changed(recording)
            await self.ctx.emit(meeting_id, RecordingLive(capturing=True))
            audit(
                self.session,
                self.ctx.principal.id,
                "recording.start",
                "recording",
                recording.id,
                meeting_id=meeting_id,
                agenda_item_id=agenda_item_id,
            )
            await self.session.commit()
        except BaseException:
            self.store.delete(relative)
            raise
        return public

    async def append(self, meeting_id: int, recording_id: int, samples: bytes) -> RecordingPublic:
        """Add a chunk of the microphone's sound (16 kHz mono 16-bit PCM) to a live recording."""
        await self.check_can_upload(meeting_id)
        recording = await self._capturing(meeting_id, recording_id)
        if not samples or len(samples) % 2 or len(samples) > MAX_CHUNK_BYTES:
            raise Invalid(
                f"Send the sound as 16 kHz mono 16-bit PCM, at most {MAX_CHUNK_BYTES // 32_000} s a chunk",
                f"Hãy gửi âm thanh dạng PCM 16 bit, 16 kHz, một kênh, mỗi đoạn tối đa {MAX_CHUNK_BYTES // 32_000} giây",
            )
        assert recording.audio_path is not None
        chunk_ms = len(samples) * 1000 // (2 * LIVE_RATE)
        if self.max_duration_ms is not None and (recording.duration_ms or 0) + chunk_ms > self.max_duration_ms:
            minutes = self.max_duration_ms // 60_000
            raise TooLarge(
                f"The recording has reached its {minutes} minutes: stop it and start another",
                f"Bản ghi âm đã đủ {minutes} phút: hãy dừng và bắt đầu bản ghi khác",
            )
        data_bytes = await asyncio.to_thread(self.store.append, recording.audio_path, samples)
        if recording.recorded_at is None:  # the first chunk: the capture began its length ago
            recording.recorded_at = utcnow() - timedelta(milliseconds=chunk_ms)
        recording.size_bytes = WAV_HEADER_BYTES + data_bytes
        recording.duration_ms = data_bytes * 1000 // (2 * LIVE_RATE)
        self.session.add(recording)
        if self.heard is not None:
            on_commit(self.session, self.heard)
        await self.session.commit()
        return recording_public(recording)

    async def stop_live(self, meeting_id: int, recording_id: int) -> RecordingPublic:
        """End the capture and queue what was captured for transcription."""
        await self.check_can_upload(meeting_id)
        recording = await self._capturing(meeting_id, recording_id)
        finish_capture(recording)
        public = await self._changed(recording)
        await self.session.flush()
        await self.ctx.emit(meeting_id, RecordingLive(capturing=await capturing_now(self.session, meeting_id)))
        audit(
            self.session,
            self.ctx.principal.id,
            "recording.stop",
            "recording",
            recording_id,
            meeting_id=meeting_id,
            duration_ms=recording.duration_ms,
        )
        on_commit(self.session, self.queued)
        await self.session.commit()
        return public

    async def _capturing(self, meeting_id: int, recording_id: int) -> Recording:
        recording = await self.session.get(Recording, recording_id, with_for_update=True)
        if recording is None or recording.meeting_id != meeting_id:
            raise NotFound("Recording", "bản ghi âm", recording_id)
        if recording.status != RecordingStatus.capturing:
            raise Conflict("The recording is no longer being captured", "Bản ghi âm đã dừng ghi")
        return recording

    async def _changed(self, recording: Recording) -> RecordingPublic:
        public = recording_public(recording)
        audience = await transcript_audience(self.session, recording.meeting_id)
        await self.ctx.emit(recording.meeting_id, RecordingChanged(recording=public.model_dump(mode="json")), audience)
        return public

    async def _check_item(self, meeting_id: int, item_id: int | None) -> None:
        if item_id is not None:
            item = await self.session.get(AgendaItem, item_id)
            if item is None or item.meeting_id != meeting_id:
                raise NotFound("Agenda item", "mục chương trình", item_id)

    async def _probe(self, upload: Upload) -> AudioInfo:
        upload.close()  # flushed: the decoder reads what was received
        try:
            return await asyncio.to_thread(probe_audio, upload.path, self.max_duration_ms)
        except InvalidAudio as exc:
            raise Invalid(exc.message_en, exc.message_vi) from None

    async def list(self, meeting_id: int) -> list[RecordingPublic]:
        await self._readable(meeting_id, recorder_too=True)
        rows = await self.session.exec(
            select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id))
        )
        return [recording_public(recording) for recording in rows.all()]

    async def get(self, meeting_id: int, recording_id: int) -> RecordingPublic:
        await self._readable(meeting_id, recorder_too=True)
        recording = await self.session.get(Recording, recording_id)
        if recording is None or recording.meeting_id != meeting_id:
            raise NotFound("Recording", "bản ghi âm", recording_id)
        return recording_public(recording)

    async def turn_audio(self, meeting_id: int, transcript_id: int, turn_id: int) -> bytes:
        """The sound of one turn of a recorded transcript as a WAV, to those who read the meeting's transcripts;
        NotFound when the transcript was not recorded here or its sound is no longer kept (retention)."""
        await self._readable(meeting_id)
        turn = await self.session.get(TranscriptTurn, turn_id)
        if turn is None or turn.transcript_id != transcript_id or turn.meeting_id != meeting_id:
            raise NotFound("Transcript turn", "lượt phát biểu", turn_id)
        recording = (
            await self.session.exec(
                select(Recording).where(
                    Recording.transcript_id == transcript_id, col(Recording.audio_path).is_not(None)
                )
            )
        ).first()
        if recording is None or recording.audio_path is None or turn.start_ms is None:
            raise NotFound("Sound of transcript turn", "âm thanh của lượt phát biểu", turn_id)
        path, start_ms, end_ms = self.store.path_of(recording.audio_path), turn.start_ms, turn.end_ms
        await self.session.rollback()  # no transaction held while the file is read (the rows are expired now)
        return await asyncio.to_thread(excerpt_wav, path, start_ms, end_ms)

    async def _readable(self, meeting_id: int, *, recorder_too: bool = False) -> None:
        """Those who read the meeting's transcripts; with ``recorder_too`` also who records it (a recording's
        status, never its words)."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if not (may_read_transcripts(access) or (recorder_too and access.can_record)):
            raise Forbidden(
                "Guests do not read the meeting's recordings",
                "Khách mời không được xem bản ghi âm của cuộc họp",
            )
