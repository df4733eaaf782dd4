"""Live captions: a capture is transcribed while it is still being recorded, a few seconds behind speech.

Each chunk the console sends wakes this loop. The sound after the capture's ``progress_ms`` is read from its
WAV file, cut after the last stretch of speech a pause has closed (`assistant.live_speech.settled_cut`), and
that window alone is transcribed; its segments become transcript turns (under the floor's speaker and the
agenda item, as any recording's) and ``transcript.turn_added`` events, the captions, to those who read the
meeting's transcripts. ``progress_ms`` then moves past the window, so nothing is transcribed twice: once the
capture stops, the background worker transcribes only what is left after it, into the same transcript.

A window holds the recording's lease (``recording:<id>``) while it is transcribed, so of several processes
one captions each capture; every turn is committed only while the recording is still ``capturing``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING

from sqlmodel import select

from assistant.live_speech import settled_cut
from assistant.speech import pcm_to_samples
from server.recordings.models import Recording, RecordingStatus
from server.recordings.storage import LIVE_RATE, WAV_HEADER_BYTES
from server.recordings.timeline import load_timeline
from server.transcripts.service import transcript_audience

if TYPE_CHECKING:
    from pathlib import Path

    from server.recordings.worker import Job, RecordingWorker

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""While a capture is on, how often it is looked at (a chunk arriving in this process looks at once)."""
IDLE_SECONDS = 30.0
"""With no capture on, how often another process's new capture is looked for."""
MAX_PENDING_MS = 60_000
"""At most this much sound after ``progress_ms`` is read at once (a capture that fell behind catches up)."""


class LiveCaptions:
    def __init__(self, worker: RecordingWorker) -> None:
        self.worker = worker
        self._heard = asyncio.Event()
        self.captioned = 0
        """Windows of speech this process transcribed live."""

    def heard(self) -> None:
        """A chunk of a live capture was stored: look at it now."""
        self._heard.set()

    async def run(self) -> None:
        while True:
            try:
                capturing = await self._capturing()
                for recording_id in capturing:
                    async with self.worker.leases.holding(f"recording:{recording_id}") as mine:
                        if mine:
                            await self.caption(recording_id)
            except Exception:  # the database or the model: the capture goes on, and is transcribed when it stops
                log.warning("live captions paused on an unexpected error", exc_info=True)
                capturing = []
            if self.worker.unavailable:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._heard.wait(), POLL_SECONDS if capturing else IDLE_SECONDS)
            self._heard.clear()

    async def _capturing(self) -> list[int]:
        async with self.worker.db.read() as session:
            rows = await session.exec(select(Recording.id).where(Recording.status == RecordingStatus.capturing))
            return [rid for rid in rows.all() if rid is not None]

    async def caption(self, recording_id: int) -> int:
        """Transcribe the settled speech of one capture since its ``progress_ms``; how many turns it made."""
        engine = await self.worker.engine()
        if engine is None:
            return 0
        async with self.worker.db.read() as session:
            recording = await session.get(Recording, recording_id)
            if recording is None or recording.status != RecordingStatus.capturing or recording.audio_path is None:
                return 0
            progress_ms, path = recording.progress_ms, self.worker.store.path_of(recording.audio_path)
        samples = pcm_to_samples(await asyncio.to_thread(_read_pcm, path, progress_ms))
        if len(samples) < LIVE_RATE:  # less than a second: wait for more
            return 0
        cut = await asyncio.to_thread(settled_cut, samples)
        if cut is None:
            return 0
        made = 0
        if cut.speech:
            window = samples[: cut.end_ms * LIVE_RATE // 1000]
            segments = await asyncio.to_thread(engine.transcribe, window, progress_ms)
            if segments:
                job = await self._job(recording_id)
                if job is None:
                    return 0
                async with self.worker.db.read() as session:
                    timeline = await load_timeline(session, job.meeting_id)
                for segment in segments:
                    if not await self.worker.add_turn(job, segment, timeline, during=RecordingStatus.capturing):
                        return made
                    made += 1
            self.captioned += 1
        await self._advance(recording_id, progress_ms + cut.end_ms)
        return made

    async def _job(self, recording_id: int) -> Job | None:
        async with self.worker.db.write() as session:
            recording = await session.get(Recording, recording_id)
            if recording is None or recording.status != RecordingStatus.capturing or recording.audio_path is None:
                await session.rollback()
                return None
            audience = await transcript_audience(session, recording.meeting_id)
            job = await self.worker.job_of(session, recording, audience)
            await session.commit()
        return job

    async def _advance(self, recording_id: int, progress_ms: int) -> None:
        """The capture is transcribed up to ``progress_ms`` (the window held silence after its last turn)."""
        async with self.worker.db.write() as session:
            recording = await session.get(Recording, recording_id)
            if recording is None or recording.status != RecordingStatus.capturing:
                await session.rollback()
                return
            recording.progress_ms = max(recording.progress_ms, progress_ms)
            session.add(recording)
            await session.commit()


def _read_pcm(path: Path, start_ms: int) -> bytes:
    """A live WAV file's samples from ``start_ms`` on (at most MAX_PENDING_MS of them)."""
    with path.open("rb") as wav:
        wav.seek(0, os.SEEK_END)
        end = wav.tell()
        start = WAV_HEADER_BYTES + start_ms * LIVE_RATE * 2 // 1000
        if start >= end:
            return b""
        wav.seek(start)
        return wav.read(min(end - start, MAX_PENDING_MS * LIVE_RATE * 2 // 1000))
