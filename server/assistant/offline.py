"""The assistant from the command line: rebuild the index, ask a question (``icabinet reindex``, ``icabinet ask``).

Both work on the database and the index directory directly, like a server process that serves no one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select

from assistant.answer import Answer, answer
from assistant.chunk import Page, chunk_pages
from assistant.embed import LazyEmbedder, token_counter
from assistant.retriever import Retriever
from server.assistant.index import VECTOR_BATCH
from server.assistant.service import RETRIEVED, answer_language
from server.auth.models import User
from server.auth.service import Principal
from server.db import Database, utcnow
from server.documents.access import readable_documents
from server.documents.models import Document, DocumentPage, DocumentStatus, DocumentVersion
from server.errors import NotFound
from server.settings import Settings

Progress = Callable[[int, int], None]
"""Called with (done, total) passages while vectors are encoded."""


@dataclass
class Rebuilt:
    documents: int
    chunks: int
    vectors: int


async def reindex(settings: Settings, progress: Progress | None = None) -> Rebuilt:
    """Rebuild the whole index from the database's texts (every ready document's current version) and mark
    exactly those documents searchable. Run it with the server stopped: a running server keeps its own copy."""
    db = Database(settings)
    try:
        await db.migrate()
        async with db.read() as session:
            rows = (
                await session.exec(
                    select(DocumentPage.page, DocumentPage.text, Document.id, Document.current_version, Document.title)
                    .join(DocumentVersion, col(DocumentVersion.id) == DocumentPage.version_id)
                    .join(Document, col(Document.id) == DocumentVersion.document_id)
                    .where(
                        Document.status == DocumentStatus.ready,
                        col(DocumentVersion.number) == col(Document.current_version),
                    )
                    .order_by(col(Document.id), col(DocumentPage.page))
                )
            ).all()
        pages = [Page(doc_id=doc, version=version, page=page, text=text) for page, text, doc, version, _ in rows]
        titles = {doc: title for _, _, doc, _, title in rows}
        embedder = LazyEmbedder(settings.embedding_model) if settings.dense_search else None
        retriever = await asyncio.to_thread(_build, settings, pages, titles, embedder, progress)
        await asyncio.to_thread(retriever.save, settings.assistant_dir / "index")
        indexed = sorted(retriever.doc_ids())
        async with db.write() as session:
            await session.exec(  # type: ignore[call-overload]
                update(Document).values(searchable=col(Document.id).in_(indexed) if indexed else False)
            )
            await session.commit()
        documents = len({page.doc_id for page in pages})
        return Rebuilt(documents=documents, chunks=len(retriever), vectors=retriever.vector_count())
    finally:
        await db.dispose()


def _build(
    settings: Settings,
    pages: list[Page],
    titles: dict[int, str],
    embedder: LazyEmbedder | None,
    report: Progress | None,
) -> Retriever:
    # headings from the page text only: the server's index adds those of each PDF's outline when it syncs
    chunks = chunk_pages(pages, token_counter(settings.embedding_model), titles=titles)
    retriever = Retriever(embedder, dense_weight=settings.dense_weight if embedder else 0.0)
    retriever.add(chunks)
    if embedder is not None:
        for first in range(0, len(chunks), VECTOR_BATCH):
            batch = chunks[first : first + VECTOR_BATCH]
            vectors = embedder.encode([chunk.text for chunk in batch])
            retriever.add_vectors([chunk.id for chunk in batch], vectors)
            if report is not None:
                report(first + len(batch), len(chunks))
    retriever.refresh()
    return retriever


@dataclass
class Asked:
    answer: Answer
    titles: dict[int, str]


async def ask(settings: Settings, question: str, meeting_id: int | None, username: str | None) -> Asked:
    """Answer ``question`` from the saved index, over what ``username`` may read (None: every document)."""
    db = Database(settings)
    try:
        await db.migrate()
        async with db.read() as session:
            if username is not None:
                user = (await session.exec(select(User).where(User.username == username))).first()
                if user is None:
                    raise NotFound("User", "người dùng", username)
                documents = await readable_documents(
                    session, Principal(user=user, token_expires_at=utcnow()), meeting_id=meeting_id
                )
            else:
                query = select(Document).where(Document.status == DocumentStatus.ready)
                if meeting_id is not None:
                    query = query.where(Document.meeting_id == meeting_id)
                documents = {d.id: d for d in (await session.exec(query)).all() if d.id is not None}
    finally:
        await db.dispose()
    embedder = LazyEmbedder(settings.embedding_model) if settings.dense_search else None
    retriever = await asyncio.to_thread(_load, settings, embedder)
    hits = await asyncio.to_thread(retriever.search, question, RETRIEVED, set(documents))
    reply = answer(question, hits, language=answer_language(question, settings.language))
    return Asked(answer=reply, titles={doc_id: document.title for doc_id, document in documents.items()})


def _load(settings: Settings, embedder: LazyEmbedder | None) -> Retriever:
    try:
        retriever = Retriever.load(settings.assistant_dir / "index", embedder)
    except FileNotFoundError:
        return Retriever(embedder)
    if embedder is not None and retriever.vector_count():
        embedder.load()  # the index has vectors: a one-off question may as well wait for the model
    return retriever
