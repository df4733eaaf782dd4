"""Reading a document: page images, text, the original file. Every read is audited;
confidential copies carry the reader's name and the time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from documents.errors import InvalidDocument
from documents.render import PageCache
from documents.sanitize import ReaderCopies
from documents.store import BlobStore
from documents.watermark import watermark_image, watermark_pdf
from server.audit_buffer import AuditBuffer
from server.auth.service import Principal
from server.db import utcnow
from server.documents.access import load_readable
from server.documents.models import Classification, Document, DocumentPage, DocumentStatus, DocumentVersion
from server.documents.schemas import DocumentText, PageText
from server.errors import Conflict, Invalid, NotFound, Unprocessable
from server.localtime import local_stamp

IMAGE_TYPES = {"webp": "image/webp", "png": "image/png"}


@dataclass(frozen=True)
class Served:
    """What to send: a file on disk, or bytes; ``personal`` bytes were made for this reader (watermarked)."""

    media_type: str
    path: Path | None = None
    content: bytes | None = None
    filename: str | None = None
    personal: bool = False


class DocumentReading:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        store: BlobStore,
        pages: PageCache,
        reader_copies: ReaderCopies,
        audit: AuditBuffer,
        timezone: str,
    ) -> None:
        self.session = session
        self.timezone = timezone
        self.principal = principal
        self.store = store
        self.pages = pages
        self.reader_copies = reader_copies
        self.audit = audit

    async def page_image(self, document_id: int, page: int, width: int, fmt: str, number: int | None) -> Served:
        if fmt not in IMAGE_TYPES:
            raise Invalid("format must be webp or png", "Định dạng ảnh phải là webp hoặc png")
        document, version = await self._open(document_id, number)
        if not 1 <= page <= version.page_count:
            raise NotFound("Page", "trang", page)
        try:
            # a cached page (tens of KB, in the OS cache) is read here: no thread hand-off on the hot path
            image = self.pages.cached(version.sha256, page, width, fmt)
            if image is None:
                pdf = self.store.path_for(version.sha256)
                image = await asyncio.to_thread(self.pages.image, version.sha256, pdf, page, width, fmt)
        except InvalidDocument as exc:  # this page failed to render, now or before (and is not tried again)
            raise Unprocessable(exc.message_en, exc.message_vi) from None
        self._record("document.view_page", document, version, page=page)
        if document.classification != Classification.confidential:
            return Served(IMAGE_TYPES[fmt], content=image)
        stamped = await asyncio.to_thread(watermark_image, image, self._mark(), fmt)
        return Served(IMAGE_TYPES[fmt], content=stamped, personal=True)

    async def text(self, document_id: int, number: int | None) -> DocumentText:
        document, version = await self._open(document_id, number)
        if version.status != DocumentStatus.ready:
            raise Conflict(
                f"The text is not ready yet (status: {version.status})",
                f"Văn bản chưa sẵn sàng (trạng thái: {version.status})",
            )
        rows = (
            await self.session.exec(
                # not the pending text layers: those are for the searchable copy only
                select(
                    DocumentPage.page,
                    DocumentPage.text,
                    DocumentPage.source,
                    DocumentPage.confidence,
                    DocumentPage.ocr_status,
                    DocumentPage.ocr_error,
                )
                .where(DocumentPage.version_id == version.id)
                .order_by(col(DocumentPage.page))
            )
        ).all()
        self._record("document.read_text", document, version)
        return DocumentText(
            document_id=document_id,
            version=version.number,
            pages=[
                PageText(
                    page=r.page,
                    text=r.text,
                    source=r.source,
                    confidence=r.confidence,
                    ocr_status=r.ocr_status,
                    ocr_error=r.ocr_error,
                )
                for r in rows
            ],
        )

    async def file(self, document_id: int, number: int | None) -> Served:
        document, version = await self._open(document_id, number)
        sha256 = version.sha256
        if version.ocr_sha256 is not None and self.store.exists(version.ocr_sha256):
            sha256 = version.ocr_sha256  # the same pages with OCR's invisible text over the scans
        path = await self._reader_copy(sha256)
        self._record("document.download", document, version)
        filename = version.filename if version.filename.lower().endswith(".pdf") else f"{version.filename}.pdf"
        if document.classification != Classification.confidential:
            return Served("application/pdf", path=path, filename=filename)
        stamped = await asyncio.to_thread(watermark_pdf, path, self._mark())
        return Served("application/pdf", content=stamped, filename=filename, personal=True)

    async def _reader_copy(self, sha256: str) -> Path:
        """The stored PDF as readers may have it: without scripts, launch actions or embedded files."""
        try:
            return await asyncio.to_thread(self.reader_copies.path_for, sha256, self.store.path_for(sha256))
        except InvalidDocument as exc:
            raise Unprocessable(
                "This file cannot be made safe to download; its pages can still be viewed",
                "Không thể tạo bản an toàn của tệp này để tải xuống; vẫn có thể xem các trang",
            ) from exc

    async def _open(self, document_id: int, number: int | None) -> tuple[Document, DocumentVersion]:
        document, _ = await load_readable(self.session, document_id, self.principal)
        wanted = number or document.current_version
        version = (
            await self.session.exec(
                select(DocumentVersion).where(
                    DocumentVersion.document_id == document_id, DocumentVersion.number == wanted
                )
            )
        ).first()
        if version is None:
            raise NotFound("Version", "phiên bản", wanted)
        return document, version

    def _mark(self) -> str:
        user = self.principal.user
        return f"{user.display_name} · {user.username} · {local_stamp(utcnow(), self.timezone)} · MẬT"

    def _record(self, action: str, document: Document, version: DocumentVersion, **detail: object) -> None:
        self.audit.record(
            self.principal.id,
            action,
            "document",
            document.id,
            meeting_id=document.meeting_id,
            version=version.number,
            **detail,
        )
