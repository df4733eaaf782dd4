"""Reads scanned pages with OCR in the background, one page at a time, after every upload's text.

The queue is the database: pages whose ``ocr_status`` is ``pending``. So a restart
(even after SIGKILL) resumes at the first page not yet committed, and nothing is
read twice. Pages of current versions come first, then by page number, then upload order, so several
scans advance side by side and a 40-page scan does not hold a 2-page one behind it;
before each page the worker waits until text extraction has nothing queued, so a
text PDF uploaded during a long scan is readable and searchable at once.

Each page's text is committed with a ``document.ocr`` event and handed to the
search index (``page_done``), so a scan becomes searchable page by page. When a
version's last scanned page is done, a copy with an invisible text layer is
stored for downloads.

Several processes sharing one database each run this worker: a page is read by
the one that claims its lease (``page:<id>``), renewed while Tesseract works;
pages claimed by a live process are skipped, and an expired claim (its process
was killed) is taken over. An idle worker then also looks every
``lease_seconds``, besides being woken when another process queues pages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from documents.errors import InvalidDocument
from documents.ocr import OcrFailed, OcrPage, OcrUnavailable, add_text_layer, check_languages, ocr_page
from documents.store import BlobStore
from server.db import Database
from server.documents.access import audience_of, readers_of
from server.documents.models import Document, DocumentPage, DocumentStatus, DocumentVersion, OcrStatus
from server.documents.schemas import document_public
from server.events import DocumentOcr
from server.leases import Leases
from server.live.outbox import Publisher, record_event
from server.settings import Settings
from server.tasks import cancel

log = logging.getLogger(__name__)

NICE = 10
"""Tesseract's CPU priority below the server's: tablets are served first."""
COPY_CHUNK = 1 << 20
RETRY_SECONDS = 10.0
CANDIDATES = 32
"""Several processes: pending pages looked at per step, those other processes read skipped."""


@dataclass(frozen=True)
class PageJob:
    page_id: int
    version_id: int
    page: int
    sha256: str


class OcrWorker:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        store: BlobStore,
        publish: Publisher,
        extraction_idle: Callable[[], Awaitable[None]],
        page_done: Callable[[int, int], None] | None = None,
        read_page: Callable[..., OcrPage] = ocr_page,
        *,
        leases: Leases,
    ) -> None:
        """``extraction_idle()`` returns once no upload waits for text extraction; ``page_done(document_id,
        page)`` is called after a page of a current version is committed (the search index follows).
        ``read_page`` is `documents.ocr.ocr_page` (its signature). ``leases`` decide which
        process reads a page (several processes; one alone always may)."""
        self.leases = leases
        self.settings = settings
        self.db = db
        self.store = store
        self.publish = publish
        self.extraction_idle = extraction_idle
        self.page_done = page_done
        self.read_page = read_page
        self.pages_read = 0
        """Pages this process ran Tesseract on (``/health``: with several processes, each page once across all)."""
        self.unavailable: str | None = None
        """Why OCR cannot run here (Tesseract or a language missing): pages then wait, pending, for a restart."""
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New pending pages were committed: look for work."""
        self._wanted.set()

    async def start(self) -> None:
        try:
            await asyncio.to_thread(check_languages, self.settings.ocr_languages)
        except OcrUnavailable as exc:
            self.unavailable = str(exc)
            log.error("OCR is off: %s; scanned pages stay queued until it is installed and the server restarts", exc)
            return
        self._task = asyncio.create_task(self._run())
        self.wake()

    async def stop(self) -> None:
        await cancel(self._task)

    async def _run(self) -> None:
        while True:
            await self.leases.until_wanted(self._wanted)
            try:
                await self._copies_left_unwritten()
                while (job := await self._next()) is not None:
                    await self.extraction_idle()
                    if not await self._read_claimed(job):
                        return
            except Exception:  # the database, most likely: look again in a while
                log.exception("OCR paused on an unexpected error; retrying in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
                self._wanted.set()

    async def _next(self) -> PageJob | None:
        """The first pending page no other live process is reading."""
        jobs = await self._pending(CANDIDATES if self.leases.shared else 1)
        return jobs[0] if jobs else None

    async def _read_claimed(self, job: PageJob) -> bool:
        async with self.leases.holding(f"page:{job.page_id}") as mine:
            # not mine: another process claimed it a moment ago (_next then skips it); mine but no longer
            # pending: another process read it and let go between our look and our claim
            return await self._read(job) if mine and await self._still_pending(job) else True

    async def _still_pending(self, job: PageJob) -> bool:
        async with self.db.read() as session:
            page = await session.get(DocumentPage, job.page_id)
            return page is not None and page.ocr_status == OcrStatus.pending

    async def _pending(self, limit: int) -> list[PageJob]:
        async with self.db.read() as session:
            rows = (
                await session.exec(
                    select(DocumentPage.id, DocumentPage.version_id, DocumentPage.page, DocumentVersion.sha256)
                    .join(DocumentVersion, col(DocumentVersion.id) == DocumentPage.version_id)
                    .join(Document, col(Document.id) == DocumentVersion.document_id)
                    .where(DocumentPage.ocr_status == OcrStatus.pending, DocumentVersion.status == DocumentStatus.ready)
                    # versions readers get by default first; older ones (still readable with ?version=) after
                    .order_by(
                        col(DocumentVersion.number) != col(Document.current_version),
                        col(DocumentPage.page),
                        col(DocumentPage.version_id),
                    )
                    .limit(limit)
                )
            ).all()
        jobs = [PageJob(page_id=row[0], version_id=row[1], page=row[2], sha256=row[3]) for row in rows if row[0]]
        held = await self.leases.held(f"page:{job.page_id}" for job in jobs)
        return [job for job in jobs if f"page:{job.page_id}" not in held]

    async def _read(self, job: PageJob) -> bool:
        """Read one page and record it; False when OCR turned out to be unavailable (the page stays pending)."""
        settings = self.settings
        try:
            self.pages_read += 1
            result: OcrPage | None = await asyncio.to_thread(
                self.read_page,
                self.store.path_for(job.sha256),
                job.page,
                languages=settings.ocr_languages,
                dpi=settings.ocr_dpi,
                timeout=settings.ocr_page_timeout_seconds,
                threads=settings.ocr_threads,
                nice=NICE,
                text_layer=settings.ocr_text_layer,
            )
            error = None
        except OcrUnavailable as exc:
            self.unavailable = str(exc)
            log.error("OCR is off: %s", exc)
            return False
        except Exception as exc:  # whatever this page does to the engine, it is this page's failure only
            log.warning("OCR of page %s of version %s failed: %s", job.page, job.version_id, exc)
            result, error = None, (str(exc) or type(exc).__name__)[:300]
        await self._record(job, result, error)
        return True

    async def _record(self, job: PageJob, result: OcrPage | None, error: str | None) -> None:
        async with self.db.write() as session:
            page = await session.get(DocumentPage, job.page_id)
            # locked until the commit: processes reading a scan's pages side by side each add one to its
            # counters, and two read-modify-writes of the same row would otherwise keep only one (PostgreSQL;
            # SQLite writers already take turns)
            version = await session.get(DocumentVersion, job.version_id, with_for_update=True)
            if page is None or version is None or page.ocr_status != OcrStatus.pending:
                await session.rollback()  # deleted, or replaced by a new upload meanwhile
                return
            if result is not None:
                page.text = result.text
                page.confidence = result.confidence
                page.text_layer = result.text_layer
                page.ocr_status = OcrStatus.done
            else:
                page.ocr_status = OcrStatus.failed
                page.ocr_error = error
            session.add(page)
            version.ocr_done += 1
            version.ocr_failed += result is None
            session.add(version)
            document = await session.get(Document, version.document_id)
            current = document is not None and document.current_version == version.number
            if document is not None and current:
                document.ocr_total, document.ocr_done = version.ocr_total, version.ocr_done
                document.ocr_failed = version.ocr_failed
                session.add(document)
                await session.flush()
                event = DocumentOcr(
                    document=document_public(document).model_dump(mode="json"),
                    page=job.page,
                    done=version.ocr_done,
                    total=version.ocr_total,
                    failed=result is None,
                )
                audience = await audience_of(session, document, await readers_of(session, version.document_id))
                await record_event(session, self.publish, document.meeting_id, event, None, audience)
            finished = version.ocr_done >= version.ocr_total
            document_id = version.document_id
            await session.commit()
        if current and self.page_done is not None:
            # a failed page too: the last page finished, read or not, is what makes the document searchable
            self.page_done(document_id, job.page)
        if finished and self.settings.ocr_text_layer:
            await self._write_searchable_copy(job.version_id)

    async def _copies_left_unwritten(self) -> None:
        """Versions whose OCR finished but whose searchable copy a crash kept from being stored."""
        if not self.settings.ocr_text_layer:
            return
        async with self.db.read() as session:
            ids = (
                await session.exec(
                    select(DocumentVersion.id)
                    .where(
                        DocumentVersion.ocr_total > 0,
                        col(DocumentVersion.ocr_done) >= col(DocumentVersion.ocr_total),
                        col(DocumentVersion.ocr_sha256).is_(None),
                        DocumentVersion.status == DocumentStatus.ready,
                    )
                    .order_by(col(DocumentVersion.id))
                )
            ).all()
        for version_id in ids:
            if version_id is not None:
                await self._write_searchable_copy(version_id)

    async def _write_searchable_copy(self, version_id: int) -> None:
        async with self.leases.holding(f"copy:{version_id}") as mine:
            if mine:  # else another process writes it
                await self._write_copy(version_id)

    async def _write_copy(self, version_id: int) -> None:
        async with self.db.read() as session:
            version = await session.get(DocumentVersion, version_id)
            if version is None or version.ocr_sha256 is not None:
                return
            sha256 = version.sha256
            rows = (
                await session.exec(
                    select(DocumentPage.page, DocumentPage.text_layer).where(
                        DocumentPage.version_id == version_id, col(DocumentPage.text_layer).is_not(None)
                    )
                )
            ).all()
        layers = {page: layer for page, layer in rows if layer}
        if not layers:
            return
        try:
            copy = await asyncio.to_thread(self._store_copy, self.store.path_for(sha256), layers)
        except (OcrFailed, InvalidDocument, ValueError, OSError) as exc:
            log.warning("the searchable copy of version %s could not be written: %s", version_id, exc)
            copy = None
        async with self.db.write() as session:
            version = await session.get(DocumentVersion, version_id)
            if version is None:
                await session.rollback()
                if copy is not None:
                    self.store.delete(copy)
                return
            # a copy that cannot be made is not retried: downloads keep the original (text via the API)
            version.ocr_sha256 = copy
            session.add(version)
            await session.exec(  # type: ignore[call-overload]
                update(DocumentPage).where(col(DocumentPage.version_id) == version_id).values(text_layer=None)
            )
            await session.commit()

    def _store_copy(self, original: Path, layers: dict[int, bytes]) -> str:
        """Write the original with its text layers into the blob store (blocking); returns its SHA-256."""
        scratch = self.store.tmp / f"ocr-{original.stem}.pdf"
        try:
            add_text_layer(original, layers, scratch)
            with self.store.new_upload(max_bytes=1 << 40) as upload, scratch.open("rb") as source:
                while chunk := source.read(COPY_CHUNK):
                    upload.write(chunk)
                return self.store.commit(upload).sha256
        finally:
            scratch.unlink(missing_ok=True)
