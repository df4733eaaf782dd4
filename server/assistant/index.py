"""The server's search index, kept in step with the database.

The database is the truth (documents and their page texts); the index under
``<data_dir>/assistant/index`` is derived from it. One task per process changes
the index: it takes document ids, looks at what the database says of each now,
and makes the index agree (add the current version's passages, or drop them).
Only once the index is on disk does the document become ``searchable`` and
``document.indexed`` go out, so a crash at any moment leaves a database that
never claims more than the index holds; on start the two are reconciled.

Passages are searchable by their words at once; their vectors are encoded in
the background (the slow part) and join the ranking as they arrive. A scan is
marked searchable only once OCR has finished its last page (its text is then in
the index). ``/health``, each document and each transcript show how many of
their passages have their vector, from counts taken after every save and every
batch of vectors; a document whose vectors are all there gets
``document.vectors``, sent before the counts show it complete.

Each passage carries its document's title and chain of headings (from the page
text and the PDF's outline, read from the stored file): its words are found by
them, and a question naming an article or section ranks that section first.

Every call into the retriever runs in a thread: they take its lock, which a
save or a BM25 rebuild holds for about a second at 100k passages, and the event
loop (every tablet's socket) must never wait for that.

A scanned page's text arrives later, from OCR, within the same version:
`sync_page` replaces that one page's passages. On start, every OCR'd page of an
indexed document is looked at again (unchanged pages cost nothing), so a crash
between OCR's commit and the index's save loses no page.

Several processes (``settings.is_shared``) share the directory: one writer,
readers that reload on change. Only the process holding the lease
``search-index`` (renewed every third of ``lease_seconds``) runs the queue and
the encoder and writes the directory; the others forward `sync`, `sync_page`
and `sync_record` to it over the cluster channel, and load the directory again
(in a thread, then swap) when it says it saved, or when its ``meta.json`` shows
a write they missed. A writer that dies stops renewing: after ``lease_seconds``
another process takes the lease, loads the directory, reconciles it with the
database (which makes up for the requests forwarded to no one meanwhile) and
carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.chunk import Page, chunk_pages
from assistant.embed import LazyEmbedder, token_counter
from assistant.retriever import Retriever, SearchHit, Source, dense_weight_for
from assistant.store import IndexChanged, IndexMismatch, saved_id
from assistant.structure import Heading, document_headings
from documents.outline import read_outline
from documents.store import BlobStore
from server.assistant.records import KINDS, every_record, record_chunks
from server.cluster import Cluster
from server.db import Database
from server.documents.access import audience_of, readers_of
from server.documents.models import Document, DocumentPage, DocumentStatus, DocumentVersion, OcrStatus
from server.documents.schemas import VectorProgress, document_public
from server.events import DocumentIndexed, DocumentVectors
from server.leases import Leases
from server.live.outbox import Publisher, record_event
from server.settings import Settings
from server.tasks import Retries, cancel

log = logging.getLogger(__name__)

VECTOR_BATCH = 64
"""Passages encoded per step of the background encoder (one forward pass of the model)."""
SUMMARIES_KEPT = 256
SAVE_EVERY_SECONDS = 30.0
"""While vectors stream in, the index is written at most this often (and once when they are done)."""
WRITER_LEASE = "search-index"
FOLLOW_SECONDS = 5.0
"""A reader looks at the directory's ``meta.json`` at least this often (a lost "saved" message)."""
LOAD_TRIES = 20
"""A reader reads a directory a write overtook again, this many times at most (a moment apart)."""


@dataclass(frozen=True)
class Tally:
    """What the index holds, counted at one moment."""

    passages: int
    vectors: int
    documents: dict[int, tuple[int, int]]
    """Each document's (passages with their vector, passages)."""
    transcripts: dict[int, tuple[int, int]]


async def version_pages(session: AsyncSession, document_id: int, version: int) -> list[Page]:
    """The page texts of version ``version`` of a document, in page order, as the assistant reads them."""
    rows = (
        await session.exec(
            select(DocumentPage.page, DocumentPage.text)
            .join(DocumentVersion, col(DocumentVersion.id) == DocumentPage.version_id)
            .where(DocumentVersion.document_id == document_id, DocumentVersion.number == version)
            .order_by(col(DocumentPage.page))
        )
    ).all()
    return [Page(doc_id=document_id, version=version, page=page, text=text) for page, text in rows]


class SearchIndex:
    """One process's index: `sync(document_id)` to follow the database, `search` to rank."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        publish: Publisher,
        cluster: Cluster,
        leases: Leases,
    ) -> None:
        """With a shared ``cluster`` and ``leases``, the processes elect one writer of the directory."""
        self.timezone = settings.timezone
        self.db = db
        self.publish = publish
        self.directory = settings.assistant_dir / "index"
        self.blobs = BlobStore(settings.blob_dir)
        threads = settings.embedding_threads
        self.embedder = LazyEmbedder(settings.embedding_model, threads=threads) if settings.dense_search else None
        self.dense_weight = settings.dense_weight if settings.dense_search else 0.0
        self.retriever = Retriever(self.embedder, dense_weight=self.dense_weight)
        self._count_tokens: Callable[[str], int] | None = None
        self._model = settings.embedding_model
        # a document id (make the whole document agree), (document id, page) (one page's text changed) or
        # (kind, key) (a meeting record changed: see sync_record)
        self._queue: asyncio.Queue[int | tuple[int, int] | tuple[str, int]] = asyncio.Queue()
        self._vectors_wanted = asyncio.Event()
        self._retries = Retries()
        self._tasks: list[asyncio.Task[None]] = []
        self._write = asyncio.Lock()  # one writer of the index files at a time
        self._counts = (0, 0)  # passages, and those with their vector (see progress)
        self._document_vectors: dict[int, tuple[int, int]] = {}  # document id: (with a vector, passages)
        self._record_vectors: dict[str, dict[int, tuple[int, int]]] = {}  # the same for records, by kind
        self._announced: set[int] = set()  # documents whose document.vectors went out (see _refresh_counts)
        self._counting = asyncio.Lock()
        self.summaries: OrderedDict[tuple[int, int], list[Any]] = OrderedDict()
        """Document summaries by (document id, version): computed once, as a version never changes."""
        self.cluster = cluster
        self.leases = leases if cluster.shared else None
        self.writing = self.leases is None
        """This process writes the index (always, alone; the lease holder, shared)."""
        self._writer_tasks: list[asyncio.Task[None]] = []
        self._reload_wanted = asyncio.Event()
        self._follow_seconds = min(FOLLOW_SECONDS, settings.lease_seconds)
        if self.leases is not None:
            cluster.on("index.sync", lambda args: self.sync(int(args[0])))
            cluster.on("index.page", lambda args: self.sync_page(int(args[0]), int(args[1])))
            cluster.on("index.record", lambda args: self.sync_record(args[0], int(args[1])))
            cluster.on("index.saved", lambda args: self._reload_wanted.set())
            cluster.on_reconnect(self._reconnected)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Load the saved index, reconcile it with the database, and start the index's tasks (shared: as
        the writer if this process wins the lease, else as a reader following the writer's saves)."""
        if self.leases is None:
            self.retriever = await asyncio.to_thread(self._load)
            await self._start_writing()
            return
        self.retriever = await self._load_current() or self.retriever
        if await self.leases.claim(WRITER_LEASE):
            await self._become_writer()
        self._tasks = [asyncio.create_task(self._lead(self.leases)), asyncio.create_task(self._follow())]

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel(task)
        was_writing = self.writing
        await self._stop_writing()
        if self.leases is not None and was_writing:
            with contextlib.suppress(Exception):  # else it runs out by itself
                await self.leases.release(WRITER_LEASE)  # the next writer need not wait for it

    def sync(self, document_id: int) -> None:
        """Make the index agree with what the database says of ``document_id`` (soon, in the background)."""
        if self._forward("index.sync", document_id):
            return
        self._queue.put_nowait(document_id)

    def sync_page(self, document_id: int, page: int) -> None:
        """Page ``page`` of the document's current version has new text (OCR read it): index it (soon)."""
        if self._forward("index.page", document_id, page):
            return
        self._queue.put_nowait((document_id, page))

    def sync_record(self, kind: str, key: int) -> None:
        """Re-read meeting record ``(kind, key)`` from the database and make the index agree (soon, in the
        background): its passages replace the old ones, or leave the index when the record is gone.

        Kinds and keys (server/assistant/records.py): ``"transcript"`` and a transcript id; ``"conclusion"``
        and the agenda item id; ``"task"`` and a task id (its current status is part of the text, so call
        it on every status change); ``"poll"`` and a poll id (indexed once closed); ``"minutes"`` and the
        meeting id (the latest approved row of ``minutes_version``; call it when minutes are approved or
        reopened). Services call it through ``ChangeContext.reindex_after_commit`` so it runs only after
        their commit.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        if self._forward("index.record", kind, key):
            return
        self._queue.put_nowait((kind, key))

    def _forward(self, kind: str, *args: object) -> bool:
        """A reader hands the request to the writer (True); the writer keeps it."""
        if self.writing:
            return False
        self.cluster.tell(kind, *args)
        return True

    # ------------------------------------------------------------------ one writer, readers (shared)

    async def _start_writing(self) -> None:
        await self._refresh_counts(announce=False)  # what was complete before this process started was announced
        await self._reconcile()
        self._writer_tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._encode_vectors())]
        if await asyncio.to_thread(self.retriever.missing_vectors, 1):
            self._vectors_wanted.set()

    async def _stop_writing(self) -> None:
        self.writing = self.leases is None
        for task in self._writer_tasks:
            await cancel(task)
        self._writer_tasks = []
        self._queue = asyncio.Queue()  # the next writer's reconcile makes up for what was queued here

    async def _become_writer(self) -> None:
        """This process took the lease: the directory holds the last writer's final save; carry on from it."""
        log.info("this process (%s) now writes the search index", self.cluster.instance)
        self.writing = True
        try:
            self.retriever = await self._load_current() or await asyncio.to_thread(self._load)
            await self._start_writing()
        except Exception:
            log.exception("taking over the search index failed; another process may")
            await self._stop_writing()
            if self.leases is not None:
                with contextlib.suppress(Exception):
                    await self.leases.release(WRITER_LEASE)

    async def _lead(self, leases: Leases) -> None:
        """Renew the writer's lease while writing; take it when the writer stops renewing it."""
        while True:
            await asyncio.sleep(leases.renew_every)
            try:
                won = await leases.claim(WRITER_LEASE)
            except Exception:
                log.warning("claiming the search index lease failed; trying again", exc_info=True)
                continue
            if won and not self.writing:
                await self._become_writer()
            elif not won and self.writing:
                log.warning("another process took over the search index; this one now follows it")
                await self._stop_writing()
                self._reload_wanted.set()

    async def _follow(self) -> None:
        """A reader loads the directory again whenever the writer saved it."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reload_wanted.wait(), self._follow_seconds)
            self._reload_wanted.clear()
            if self.writing:
                continue
            try:
                current = await asyncio.to_thread(saved_id, self.directory)
                if current is None or current == self.retriever.saved_id:
                    continue
                retriever = await self._load_current()
            except Exception:
                log.exception("reloading the search index failed; trying again")
                continue
            if retriever is not None and not self.writing:
                self.retriever = retriever
                await self._refresh_counts(announce=False)

    async def _load_current(self) -> Retriever | None:
        """The directory as the writer last saved it (None: none yet, or unusable here); a write that
        overtakes the reading makes it read again."""
        if await asyncio.to_thread(saved_id, self.directory) is None:
            return None
        for _ in range(LOAD_TRIES):
            try:
                retriever = await asyncio.to_thread(self._read_following)
            except (IndexChanged, FileNotFoundError):
                # replaced while read, or caught between a write's two renames (missing for an instant)
                await asyncio.sleep(0.1)
                continue
            except (IndexMismatch, ValueError, OSError) as exc:
                log.warning("the search index in %s cannot be used here (%s)", self.directory, exc)
                return None
            return retriever
        return None

    def _read_following(self) -> Retriever:
        """The directory read beside the index this process searches now (blocking: run in a thread).

        Passages already held keep their terms (only new ones are tokenised), and BM25 is built here, so
        searches go on against the current index meanwhile and the first one after the swap waits for nothing.
        """
        retriever = Retriever.load(self.directory, self.embedder, previous=self.retriever)
        retriever.dense_weight = self.dense_weight
        retriever.refresh()
        return retriever

    async def _reconcile_again(self) -> None:
        try:
            await self._reconcile()
        except Exception:
            log.exception("reconciling the search index with the database failed")

    def _reconnected(self) -> None:
        """Back on the channel after losing it: what was said meanwhile is made up for."""
        if self.writing:
            self._writer_tasks.append(asyncio.get_running_loop().create_task(self._reconcile_again()))
        else:
            self._reload_wanted.set()

    # ------------------------------------------------------------------ reading

    def search(self, query: str, k: int, allowed: set[Source], language: str | None = None) -> list[SearchHit]:
        """The ``k`` best passages for ``query`` among the documents (ids) and records (``(kind, key)``)
        ``allowed``, with the dense weight for the question's ``language`` when given (blocking: run in a
        thread)."""
        weight = dense_weight_for(language, self.dense_weight) if language else None
        return self.retriever.search(query, k=k, allowed=allowed, dense_weight=weight)

    def progress(self) -> dict[str, object]:
        """What ``/health`` shows of the index: passages searchable by their words (``passages``), and how
        many of them have their vector so far (``vectors``: ``done`` of ``total``; equal when all rank by
        meaning as well; ``total`` 0 without an embedding model)."""
        total, done = self._counts
        return {
            "passages": total,
            "vectors": {"done": done if self.embedder is not None else 0, "total": total if self.embedder else 0},
        }

    def document_vectors(self, document_id: int) -> VectorProgress | None:
        """How many of the document's indexed passages have their vector (None: not indexed, or no model)."""
        counts = self._document_vectors.get(document_id)
        if counts is None or self.embedder is None:
            return None
        return VectorProgress(done=counts[0], total=counts[1])

    def record_readiness(self, kind: str, key: int) -> tuple[bool, VectorProgress | None]:
        """Whether a record (``"transcript"`` and its id) is in the index, searchable by its words, and how
        many of its passages have their vector (None: not indexed, or no model)."""
        counts = self._record_vectors.get(kind, {}).get(key)
        if counts is None:
            return False, None
        return True, VectorProgress(done=counts[0], total=counts[1]) if self.embedder is not None else None

    def _tally(self) -> Tally:
        """The index's counts now (blocking: run in a thread)."""
        return Tally(
            passages=len(self.retriever),
            vectors=self.retriever.vector_count(),
            documents=self.retriever.vector_counts(),
            transcripts=self.retriever.vector_counts("transcript"),
        )

    async def _refresh_counts(self, announce: bool = True) -> None:
        """Take the figures `progress`, `document_vectors` and `record_readiness` show (so ``/health`` and the
        documents API never wait for the retriever's lock), after ``document.vectors`` has gone out for each
        document whose vectors became complete: a reader who sees ``done == total`` can count on the event.
        Without ``announce`` (a process starting, a reader) the complete ones are taken as announced."""
        async with self._counting:
            tally = await asyncio.to_thread(self._tally)
            # a document with passages still to encode (a new version) is announced again once they are done
            self._announced -= {doc for doc, (done, total) in tally.documents.items() if done < total}
            complete = {doc for doc, (done, total) in tally.documents.items() if 0 < total == done}
            if announce and self.writing:
                for document_id in sorted(complete - self._announced):
                    done, total = tally.documents[document_id]
                    await self._announce_vectors(document_id, VectorProgress(done=done, total=total))
            self._announced |= complete
            self._counts = (tally.passages, tally.vectors)
            self._document_vectors = tally.documents
            self._record_vectors = {"transcript": tally.transcripts}

    def remember_summary(self, key: tuple[int, int], sentences: list[Any]) -> None:
        self.summaries[key] = sentences
        while len(self.summaries) > SUMMARIES_KEPT:
            self.summaries.popitem(last=False)

    # ------------------------------------------------------------------ keeping in step

    def _load(self) -> Retriever:
        try:
            retriever = Retriever.load(self.directory, self.embedder)
        except FileNotFoundError:
            return Retriever(self.embedder, dense_weight=self.dense_weight)
        except (IndexMismatch, ValueError, OSError) as exc:
            # another model, or damaged files: the database still has every text, so rebuild from it
            log.warning("the search index in %s cannot be used (%s); rebuilding it", self.directory, exc)
            return Retriever(self.embedder, dense_weight=self.dense_weight)
        retriever.dense_weight = self.dense_weight
        return retriever

    async def _reconcile(self) -> None:
        """Drop from the index what the database no longer has ready; queue what it lacks; and make sure
        no document is called searchable unless the index holds its current version."""
        async with self.db.write() as session:
            rows = (
                await session.exec(
                    select(Document.id, Document.current_version, Document.searchable).where(
                        Document.status == DocumentStatus.ready
                    )
                )
            ).all()
            wanted = {document_id: version for document_id, version, _ in rows if document_id is not None}
            indexed = await asyncio.to_thread(self.retriever.indexed_versions)
            stale = [document_id for document_id, version in indexed.items() if wanted.get(document_id) != version]
            lacking = [document_id for document_id, version in wanted.items() if indexed.get(document_id) != version]
            if lacking:
                await session.exec(  # type: ignore[call-overload]
                    update(Document).where(col(Document.id).in_(lacking)).values(searchable=False)
                )
            await session.commit()
        if stale:
            for document_id in stale:
                await asyncio.to_thread(self.retriever.remove, document_id)
            await self._save()
        unmarked = [document_id for document_id, _, searchable in rows if document_id is not None and not searchable]
        for document_id in sorted(set(lacking) | set(unmarked)):
            self.sync(document_id)
        async with self.db.read() as session:
            ocr_pages = (
                await session.exec(
                    select(DocumentVersion.document_id, DocumentPage.page)
                    .join(DocumentVersion, col(DocumentVersion.id) == DocumentPage.version_id)
                    .join(Document, col(Document.id) == DocumentVersion.document_id)
                    .where(
                        DocumentPage.ocr_status == OcrStatus.done,
                        col(DocumentVersion.number) == col(Document.current_version),
                        Document.status == DocumentStatus.ready,
                    )
                    .order_by(col(DocumentVersion.document_id), col(DocumentPage.page))
                )
            ).all()
        for document_id, page in ocr_pages:
            if document_id not in lacking:  # those are indexed whole, OCR'd pages included
                self.sync_page(document_id, page)
        # records are small: each is looked at again (unchanged ones cost nothing), the gone ones dropped
        async with self.db.read() as session:
            records = set(await every_record(session))
        for kind in KINDS:
            for key in await asyncio.to_thread(self.retriever.doc_ids, kind):
                records.add((kind, key))
        for kind, key in sorted(records):
            self.sync_record(kind, key)

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if isinstance(item, tuple) and isinstance(item[0], str):
                    await self._sync_record(item[0], item[1])
                elif isinstance(item, tuple):
                    await self._sync_page(item[0], item[1])
                else:
                    await self._sync(item)
                self._retries.done(item)
            except Exception:
                if self._retries.again(item, functools.partial(self._queue.put_nowait, item)):
                    log.exception("indexing %s failed; trying again", item)
                else:
                    log.exception("indexing %s failed again; left for the next start", item)
            finally:
                self._queue.task_done()

    async def _sync(self, document_id: int) -> None:
        async with self.db.read() as session:
            document = await session.get(Document, document_id)
            version = document.current_version if document and document.status == DocumentStatus.ready else None
            pages = await version_pages(session, document_id, version) if version is not None else []
            outline = await self._outline(session, document_id, version) if version is not None else []
            title = document.title if document is not None else ""
        indexed = (await asyncio.to_thread(self.retriever.indexed_versions)).get(document_id)
        if version is None:
            if indexed is not None:
                await asyncio.to_thread(self.retriever.remove, document_id)
                await self._save()
            return
        if indexed != version:
            await asyncio.to_thread(self._replace, document_id, pages, title, outline)
            await self._save()
            self._vectors_wanted.set()
        await self._mark_searchable(document_id, version)

    async def _sync_page(self, document_id: int, page: int) -> None:
        async with self.db.read() as session:
            document = await session.get(Document, document_id)
            if document is None or document.status != DocumentStatus.ready:
                return
            version = document.current_version
            text = (
                await session.exec(
                    select(DocumentPage.text)
                    .join(DocumentVersion, col(DocumentVersion.id) == DocumentPage.version_id)
                    .where(
                        DocumentVersion.document_id == document_id,
                        DocumentVersion.number == version,
                        DocumentPage.page == page,
                    )
                )
            ).first()
            pages = await version_pages(session, document_id, version) if text is not None else []
            outline = await self._outline(session, document_id, version) if text is not None else []
            title = document.title
        if text is None:
            return
        if (await asyncio.to_thread(self.retriever.indexed_versions)).get(document_id) != version:
            self.sync(document_id)  # not indexed yet (or an older version): the whole pass reads this page too
            return
        changed = await asyncio.to_thread(
            self._replace_page,
            Page(doc_id=document_id, version=version, page=page, text=text),
            title,
            _headings(pages, outline),
        )
        if changed:
            await self._save()
            self._vectors_wanted.set()
        await self._mark_searchable(document_id, version)

    async def _sync_record(self, kind: str, key: int) -> None:
        async with self.db.read() as session:
            chunks = await record_chunks(session, kind, key, self.timezone)
        if await asyncio.to_thread(self._replace_source, (kind, key), chunks):
            await self._save()
            self._vectors_wanted.set()

    def _replace_source(self, source: tuple[str, int], chunks: list[Any]) -> bool:
        """Put ``chunks`` in place of the source's passages (blocking); False when they are the same."""
        held = [(c.id, c.text) for c in self.retriever.chunks() if (c.kind, c.doc_id) == source]
        if held == [(c.id, c.text) for c in chunks]:
            return False
        self.retriever.remove(source)
        self.retriever.add(chunks)
        self.retriever.refresh()
        return True

    def _replace_page(self, page: Page, title: str, headings: list[Heading]) -> bool:
        """Put one page's passages in place of its old ones (blocking); False when they are the same."""
        if self._count_tokens is None:
            self._count_tokens = token_counter(self._model)
        chunks = chunk_pages([page], self._count_tokens, titles={page.doc_id: title}, headings={page.doc_id: headings})
        changed = self.retriever.replace_page(page.doc_id, page.page, chunks)
        if changed:
            self.retriever.refresh()
        return changed

    def _replace(self, document_id: int, pages: list[Page], title: str, outline: list[tuple[str, int, int]]) -> None:
        """Put the passages of ``pages`` in place of the document's old ones (blocking)."""
        if self._count_tokens is None:
            self._count_tokens = token_counter(self._model)
        headings = {document_id: _headings(pages, outline)}
        chunks = chunk_pages(pages, self._count_tokens, titles={document_id: title}, headings=headings)
        self.retriever.remove(document_id)
        self.retriever.add(chunks)
        self.retriever.refresh()  # so the first search after this does not rebuild BM25

    async def _outline(self, session: AsyncSession, document_id: int, version: int) -> list[tuple[str, int, int]]:
        """The bookmarks of the version's PDF as ``(title, page, depth)`` ([] when it has none or its file
        cannot be read: its page text still gives its headings)."""
        sha256 = (
            await session.exec(
                select(DocumentVersion.sha256).where(
                    DocumentVersion.document_id == document_id, DocumentVersion.number == version
                )
            )
        ).first()
        if sha256 is None:
            return []
        try:
            entries = await asyncio.to_thread(read_outline, self.blobs.path_for(sha256))
        except Exception:
            log.warning("the outline of document %s version %s could not be read", document_id, version)
            return []
        return [(entry.title, entry.page, entry.depth) for entry in entries]

    async def _announce_vectors(self, document_id: int, progress: VectorProgress) -> None:
        """Tell the document's readers that its semantic half is complete (``document.vectors``)."""
        try:
            async with self.db.write() as session:
                document = await session.get(Document, document_id)
                if document is None or document.status != DocumentStatus.ready:
                    await session.rollback()
                    return
                audience = await audience_of(session, document, await readers_of(session, document_id))
                public = document_public(document).model_copy(update={"vectors": progress})
                event = DocumentVectors(
                    document=public.model_dump(mode="json"), done=progress.done, total=progress.total
                )
                await record_event(session, self.publish, document.meeting_id, event, None, audience)
                await session.commit()
        except Exception:
            log.exception("announcing the vectors of document %s failed", document_id)

    async def _mark_searchable(self, document_id: int, version: int) -> None:
        async with self.db.write() as session:
            document = await session.get(Document, document_id)
            if document is None or document.current_version != version or document.status != DocumentStatus.ready:
                self.sync(document_id)  # it changed meanwhile: look again
                await session.rollback()
                return
            if document.searchable or document.ocr_done < document.ocr_total:
                # already said; or a scan OCR is still reading: its last page's sync_page says it
                await session.rollback()
                return
            # not an edit of the metadata: the optimistic-concurrency version stays, so an open edit form is not stale
            document.searchable = True
            session.add(document)
            await session.flush()
            audience = await audience_of(session, document, await readers_of(session, document_id))
            event = DocumentIndexed(document=document_public(document).model_dump(mode="json"))
            await record_event(session, self.publish, document.meeting_id, event, None, audience)
            await session.commit()

    async def _save(self) -> None:
        async with self._write:
            saved = await asyncio.to_thread(self.retriever.save, self.directory)
        await self._refresh_counts()
        self.cluster.tell("index.saved", saved)  # nobody hears it when this process is alone

    async def _encode_vectors(self) -> None:
        """Give every passage its vector, a batch at a time, saving now and then and when done."""
        if self.embedder is None:
            return
        embedder = self.embedder
        loop = asyncio.get_running_loop()
        while True:
            await self._vectors_wanted.wait()
            self._vectors_wanted.clear()
            last_save = loop.time()
            encoded = 0
            while batch := await asyncio.to_thread(self.retriever.missing_vectors, VECTOR_BATCH):
                try:
                    vectors = await asyncio.to_thread(embedder.encode, [chunk.text for chunk in batch])
                except Exception:
                    log.exception("encoding passages failed; searches rank by words only until a restart")
                    return
                await asyncio.to_thread(self.retriever.add_vectors, [chunk.id for chunk in batch], vectors)
                await self._refresh_counts()
                encoded += len(batch)
                if loop.time() - last_save > SAVE_EVERY_SECONDS:
                    await self._save()
                    last_save = loop.time()
            if encoded:
                await asyncio.to_thread(self.retriever.refresh)
                await self._save()


def _headings(pages: list[Page], outline: list[tuple[str, int, int]]) -> list[Heading]:
    """A document's headings from all its pages' text and its outline."""
    return document_headings([(page.page, page.text) for page in pages], outline)
