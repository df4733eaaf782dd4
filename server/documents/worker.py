"""Turns uploaded versions into readable, searchable documents, off the request path.

One task per process takes version ids from a queue; on start it picks up
every version a crash left ``processing``, so a restart needs no repair.
Several processes sharing one database each pick those up too: a version is
extracted by the one that claims its lease (``version:<id>``), renewed while it
works; every ``lease_seconds`` each re-queues the versions still ``processing``
that no live lease covers (their process was killed), so one of them takes over.
Scanned pages are only marked here (``ocr_status`` pending, readable as images
at once); the OCR worker (``server/documents/ocr_worker.py``) reads them later,
so a long scan never holds up the next upload's text.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete as sql_delete
from sqlmodel import col, select

from documents.errors import InvalidDocument
from documents.extract import PageText, extract_pages
from documents.ocr import scanned_pages
from documents.sanitize import ReaderCopies
from documents.store import BlobStore
from server.db import Database, utcnow
from server.documents.access import audience_of, readers_of
from server.documents.models import Document, DocumentPage, DocumentStatus, DocumentVersion, OcrStatus, TextSource
from server.documents.schemas import document_public
from server.events import DocumentFailed, DocumentReady
from server.leases import Leases
from server.live.outbox import Publisher, record_event
from server.tasks import Retries, cancel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    pages: list[PageText]
    scanned: set[int]
    """Pages with no usable text layer, left to OCR."""


def extract(path: Path, ocr: bool) -> Extracted:
    """Every page's text, and (with ``ocr``) which pages are scans (blocking: run in a thread)."""
    pages = extract_pages(path)
    scanned = set(scanned_pages(path, [page.text for page in pages])) if ocr else set()
    return Extracted(pages, scanned)


class DocumentWorker:
    def __init__(
        self,
        db: Database,
        store: BlobStore,
        publish: Publisher,
        processed: Callable[[int], None] | None = None,
        *,
        ocr: bool = False,
        ocr_queued: Callable[[], None] | None = None,
        leases: Leases,
        reader_copies: ReaderCopies | None = None,
    ) -> None:
        """``processed(document_id)`` is called after a version's text is committed (the search index follows);
        with ``ocr``, scanned pages are queued for OCR and ``ocr_queued()`` wakes the OCR worker. ``leases``
        decide which process extracts a version (several processes; one alone always may). ``reader_copies``:
        the copy readers download (without active content) is made here, not by the first download."""
        self.reader_copies = reader_copies
        self.leases = leases
        self.processed = processed
        self.ocr = ocr
        self.ocr_queued = ocr_queued
        self.db = db
        self.store = store
        self.publish = publish
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self.extracted = 0
        """Versions whose text this process extracted (``/health``: with several processes, each version once
        across all of them)."""
        self.retries = Retries()
        self._task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    def enqueue(self, version_id: int) -> None:
        if version_id not in self._queued:
            self._queued.add(version_id)
            self.queue.put_nowait(version_id)

    async def start(self) -> None:
        for version_id in await self._processing():
            self.enqueue(version_id)
        self._task = asyncio.create_task(self._run())
        if self.leases.shared:
            self._sweeper = asyncio.create_task(self._sweep(self.leases))

    async def stop(self) -> None:
        await cancel(self._sweeper)
        await cancel(self._task)

    async def _processing(self) -> list[int]:
        async with self.db.read() as session:
            pending = (
                await session.exec(
                    select(DocumentVersion.id)
                    .where(DocumentVersion.status == DocumentStatus.processing)
                    .order_by(col(DocumentVersion.id))
                )
            ).all()
        return [version_id for version_id in pending if version_id is not None]

    async def _sweep(self, leases: Leases) -> None:
        """Re-queue the versions left ``processing`` by a process that died (no live lease any more)."""
        while True:
            await asyncio.sleep(leases.seconds)
            try:
                pending = await self._processing()
                held = await leases.held(f"version:{version_id}" for version_id in pending)
            except Exception:
                log.warning("looking for abandoned document versions failed; trying again", exc_info=True)
                continue
            for version_id in pending:
                if f"version:{version_id}" not in held:
                    self.enqueue(version_id)

    async def idle(self) -> None:
        """Wait until every queued version is processed (for the CLI and tests)."""
        await self.queue.join()

    async def _run(self) -> None:
        while True:
            version_id = await self.queue.get()
            self._queued.discard(version_id)
            try:
                await self.process(version_id)
                self.retries.done(version_id)
            except Exception:
                if self.retries.again(version_id, functools.partial(self.enqueue, version_id)):
                    log.exception("processing document version %s failed; trying again", version_id)
                else:
                    log.exception("processing document version %s failed again; left for the next start", version_id)
            finally:
                self.queue.task_done()

    async def process(self, version_id: int) -> None:
        async with self.leases.holding(f"version:{version_id}") as mine:
            if mine:  # else another process extracts it (and if it dies, the sweep brings it back here)
                await self._process(version_id)

    async def _process(self, version_id: int) -> None:
        async with self.db.read() as session:
            version = await session.get(DocumentVersion, version_id)
            if version is None or version.status != DocumentStatus.processing:
                return
            sha256 = version.sha256
        self.extracted += 1
        try:
            extracted = await asyncio.to_thread(extract, self.store.path_for(sha256), self.ocr)
            error = None
        except Exception as exc:  # a file that cannot be read is marked failed, never retried forever
            log.warning("extracting version %s failed: %s", version_id, exc)
            extracted, error = Extracted([], set()), str(exc)[:1000] or exc.__class__.__name__
        await self._finish(version_id, extracted, error)
        if extracted.scanned and not error and self.ocr_queued is not None:
            self.ocr_queued()
        if self.reader_copies is not None and not error:
            await asyncio.to_thread(self._prepare_reader_copy, sha256)

    def _prepare_reader_copy(self, sha256: str) -> None:
        assert self.reader_copies is not None
        try:
            self.reader_copies.path_for(sha256, self.store.path_for(sha256))
        except InvalidDocument as exc:  # downloads answer 422 then; the pages are still shown
            log.warning("no reader copy of %s: %s", sha256, exc.detail or exc)

    async def _finish(self, version_id: int, extracted: Extracted, error: str | None) -> None:
        async with self.db.write() as session:
            version = await session.get(DocumentVersion, version_id)
            if version is None or version.status != DocumentStatus.processing:
                return
            await session.exec(  # type: ignore[call-overload]
                sql_delete(DocumentPage).where(col(DocumentPage.version_id) == version_id)
            )
            # SQLAlchemy batches these into multi-row INSERTs; a scan keeps what little text it has until OCR reads it
            session.add_all(
                DocumentPage(version_id=version_id, page=p.page, text=p.text)
                if p.page not in extracted.scanned
                else DocumentPage(
                    version_id=version_id, page=p.page, text=p.text, source=TextSource.ocr, ocr_status=OcrStatus.pending
                )
                for p in extracted.pages
            )
            version.ocr_total, version.ocr_done, version.ocr_failed = len(extracted.scanned), 0, 0
            version.status = DocumentStatus.failed if error else DocumentStatus.ready
            version.error = error
            version.processed_at = utcnow()
            session.add(version)
            document = await session.get(Document, version.document_id)
            if document is None:
                await session.commit()
                return
            if document.current_version == version.number:
                document.status = version.status
                document.ocr_total, document.ocr_done, document.ocr_failed = version.ocr_total, 0, 0
                document.version += 1
                session.add(document)
            await session.flush()
            public = document_public(document).model_dump(mode="json")
            audience = await audience_of(session, document, await readers_of(session, version.document_id))
            event = DocumentFailed(document=public, error=error) if error else DocumentReady(document=public)
            await record_event(session, self.publish, document.meeting_id, event, version.uploaded_by, audience)
            await session.commit()
        if self.processed is not None and document.id is not None:
            self.processed(document.id)
