"""Routes for documents: upload, versions, metadata, pages, text, file, "follow me"."""

from __future__ import annotations

from typing import TypeVar

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from server.db import DbSession
from server.documents.reading import DocumentReading, Served
from server.documents.schemas import (
    DocumentDetail,
    DocumentPublic,
    DocumentText,
    DocumentUpdate,
    Presenting,
    PresentRequest,
)
from server.documents.service import DocumentService
from server.documents.upload import receive_upload
from server.downloads import NOSNIFF, content_disposition
from server.meetings.controller import change_context

_Document = TypeVar("_Document", bound=DocumentPublic)


def with_vectors(request: Request, document: _Document) -> _Document:
    """The document with its vectors' progress, as the search index knows it now."""
    progress = request.app.state.search_index.document_vectors(document.id)
    return document.model_copy(update={"vectors": progress}) if progress is not None else document


UPLOAD_DOC = (
    "multipart/form-data: `file` (PDF), optional `title`, `agenda_item_id`, "
    "`classification` (public | internal | confidential), `allowed_usernames` (comma-separated, for confidential)."
)


def document_service(request: Request, db_session: DbSession) -> DocumentService:
    state = request.app.state
    return DocumentService(
        change_context(request, db_session),
        state.blobs,
        state.pages,
        state.reader_copies,
        state.settings.max_pages,
        state.worker.enqueue,
        state.search_index.sync,
    )


def reading(request: Request, db_session: DbSession) -> DocumentReading:
    state = request.app.state
    return DocumentReading(
        db_session, request.user, state.blobs, state.pages, state.reader_copies, state.audit, state.settings.timezone
    )


def send(served: Served, *, private: bool) -> Response[bytes] | File:
    cache = "private, no-store" if served.personal else ("private, max-age=3600" if private else "no-cache")
    # lower-case: File only adds its own (unsafe for hostile names) when this key is absent
    headers = {"cache-control": cache, **NOSNIFF}
    if served.filename:
        headers["content-disposition"] = content_disposition(served.filename, "inline")
    if served.path is not None:
        return File(served.path, media_type=served.media_type, content_disposition_type="inline", headers=headers)
    return Response(served.content or b"", media_type=served.media_type, headers=headers)


class DocumentController(Controller):
    tags = ["documents"]

    @post(
        "/api/meetings/{meeting_id:int}/documents",
        status_code=HTTP_202_ACCEPTED,
        description=UPLOAD_DOC,
        request_max_body_size=None,
    )
    async def upload(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> DocumentPublic:
        """Upload a PDF to a meeting (or one of its items); it is processed in the background."""
        service = document_service(request, db_session)
        await service.check_can_upload(meeting_id)
        limit = request.app.state.settings.max_upload_mb * 1024 * 1024
        received = await receive_upload(request, request.app.state.blobs, limit)
        try:
            return await service.create(meeting_id, received)
        finally:
            received.discard()

    @post(
        "/api/documents/{document_id:int}/versions",
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=None,
        description="multipart/form-data: `file` (PDF), optional `title`.",
    )
    async def upload_version(
        self, request: Request, db_session: DbSession, document_id: FromPath[int]
    ) -> DocumentPublic:
        """Upload a new version; earlier versions stay readable with ``?version=N``."""
        service = document_service(request, db_session)
        await service.check_can_add_version(document_id)
        limit = request.app.state.settings.max_upload_mb * 1024 * 1024
        received = await receive_upload(request, request.app.state.blobs, limit)
        try:
            return await service.add_version(document_id, received)
        finally:
            received.discard()

    @get("/api/meetings/{meeting_id:int}/documents")
    async def list_documents(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int]
    ) -> list[DocumentPublic]:
        """The meeting's documents the caller may read."""
        documents = await document_service(request, db_session).list(meeting_id)
        return [with_vectors(request, document) for document in documents]

    @get("/api/documents/{document_id:int}")
    async def get_document(self, request: Request, db_session: DbSession, document_id: FromPath[int]) -> DocumentDetail:
        """Metadata, status, page count and every version."""
        return with_vectors(request, await document_service(request, db_session).detail(document_id))

    @patch("/api/documents/{document_id:int}")
    async def update_document(
        self, request: Request, db_session: DbSession, document_id: FromPath[int], data: JSONBody[DocumentUpdate]
    ) -> DocumentPublic:
        """Rename, attach to an item, change classification or the named readers."""
        return await document_service(request, db_session).update(document_id, data)

    @delete("/api/documents/{document_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_document(self, request: Request, db_session: DbSession, document_id: FromPath[int]) -> None:
        await document_service(request, db_session).delete(document_id)

    @get("/api/documents/{document_id:int}/pages/{page:int}", media_type="image/webp")
    async def page_image(
        self,
        request: Request,
        db_session: DbSession,
        document_id: FromPath[int],
        page: FromPath[int],
        width: FromQuery[int | None] = None,
        format: FromQuery[str] = "webp",  # noqa: A002
        version: FromQuery[int | None] = None,
    ) -> Response[bytes] | File:
        """Page ``page`` (1-based) as an image ``width`` pixels wide (cached; watermarked if confidential)."""
        width = max(64, min(width or request.app.state.settings.page_image_width, 3000))
        served = await reading(request, db_session).page_image(document_id, page, width, format, version)
        return send(served, private=True)

    @get("/api/documents/{document_id:int}/text")
    async def text(
        self, request: Request, db_session: DbSession, document_id: FromPath[int], version: FromQuery[int | None] = None
    ) -> DocumentText:
        """The text of every page: ``{pages: [{page, text}]}``."""
        return await reading(request, db_session).text(document_id, version)

    @get("/api/documents/{document_id:int}/file", media_type="application/pdf")
    async def file(
        self, request: Request, db_session: DbSession, document_id: FromPath[int], version: FromQuery[int | None] = None
    ) -> Response[bytes] | File:
        """The PDF itself (stamped with the reader's name and the time if confidential)."""
        served = await reading(request, db_session).file(document_id, version)
        return send(served, private=True)

    @post("/api/meetings/{meeting_id:int}/present", status_code=200)
    async def present(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[PresentRequest]
    ) -> Presenting:
        """ "Follow me": show a document page on every following screen (secretary, chair or current presenter)."""
        return await document_service(request, db_session).present(meeting_id, data)
