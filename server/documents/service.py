"""Documents: intake (validated before anything is kept), versions, metadata, deletion, "follow me"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, or_
from sqlmodel import col, select

from documents.errors import InvalidDocument
from documents.render import PageCache
from documents.sanitize import ReaderCopies
from documents.store import BlobStore, StoredBlob
from documents.validate import PdfInfo, validate
from server.agenda.models import AgendaItem
from server.audit import audit
from server.auth.models import User
from server.db import on_commit
from server.documents.access import (
    audience_of,
    load_readable,
    meeting_viewers,
    readers_of,
    room_outsiders,
    visible_documents,
)
from server.documents.models import Classification, Document, DocumentReader, DocumentStatus, DocumentVersion
from server.documents.schemas import (
    DocumentDetail,
    DocumentPublic,
    DocumentUpdate,
    Presenting,
    PresentRequest,
    VersionPublic,
    document_public,
)
from server.documents.upload import ReceivedUpload, document_error
from server.errors import ConfirmationNeeded, Forbidden, Invalid, NotFound
from server.events import DocumentAdded, DocumentRemoved, DocumentUpdated, Present
from server.live.context import ChangeContext
from server.meetings.access import MeetingAccess, load_access, load_managed
from server.meetings.models import Meeting
from server.meetings.rules import check_version, require_open


def split_usernames(values: list[str]) -> list[str]:
    names = [name.strip() for value in values for name in value.replace(";", ",").split(",")]
    return sorted({name for name in names if name})


class DocumentService:
    def __init__(
        self,
        ctx: ChangeContext,
        store: BlobStore,
        pages: PageCache,
        reader_copies: ReaderCopies,
        max_pages: int,
        enqueue: Callable[[int], None],
        sync_index: Callable[[int], None],
    ) -> None:
        """``enqueue(version_id)`` starts processing; ``sync_index(document_id)`` brings the search index in step."""
        self.sync_index = sync_index
        self.ctx = ctx
        self.session = ctx.session
        self.store = store
        self.pages = pages
        self.reader_copies = reader_copies
        self.max_pages = max_pages
        self.enqueue = enqueue

    async def check_can_upload(self, meeting_id: int) -> None:
        """Refuse before the body is read; ends the transaction so no lock is held while the file streams in."""
        access = await load_managed(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        await self.session.rollback()

    async def check_can_add_version(self, document_id: int) -> None:
        document, access = await load_readable(self.session, document_id, self.ctx.principal)
        access.require_manage()
        require_open(access.meeting)
        await self.session.rollback()

    async def create(self, meeting_id: int, received: ReceivedUpload) -> DocumentPublic:
        classification = self._classification(received.value("classification"))
        readers = split_usernames(received.fields.get("allowed_usernames", []))
        item_id = self._int_field(received.value("agenda_item_id"), "agenda_item_id")
        info = await self._validate(received)
        access = await load_managed(self.session, meeting_id, self.ctx.principal)
        require_open(access.meeting)
        await self._check_item(meeting_id, item_id)
        reader_ids = await self._user_ids(readers)
        title = received.value("title") or info.title or Path(received.filename).stem or "Tài liệu"
        document = Document(
            meeting_id=meeting_id,
            agenda_item_id=item_id,
            title=title[:500],
            classification=classification,
            page_count=info.page_count,
            created_by=self.ctx.principal.id,
        )
        self.session.add(document)
        await self.session.flush()
        assert document.id is not None
        for user_id in reader_ids:
            self.session.add(DocumentReader(document_id=document.id, user_id=user_id))
        return await self._store_version(document, 1, received, info, DocumentAdded, "document.upload")

    async def add_version(self, document_id: int, received: ReceivedUpload) -> DocumentPublic:
        info = await self._validate(received)
        document, access = await load_readable(self.session, document_id, self.ctx.principal)
        access.require_manage()
        require_open(access.meeting)
        newest = (
            await self.session.exec(
                select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document_id)
            )
        ).one()
        number = (newest or 0) + 1
        document.current_version = number
        document.page_count = info.page_count
        document.version += 1
        meeting = access.meeting
        if meeting.presenting_document_id == document_id and (meeting.presenting_page or 1) > info.page_count:
            audience = await audience_of(self.session, document, await readers_of(self.session, document_id))
            await self._set_presenting(meeting, document_id, info.page_count, audience)
        if received.value("title"):
            document.title = (received.value("title") or "")[:500]
        return await self._store_version(document, number, received, info, DocumentUpdated, "document.new_version")

    async def _store_version(
        self,
        document: Document,
        number: int,
        received: ReceivedUpload,
        info: PdfInfo,
        event: type[DocumentAdded] | type[DocumentUpdated],
        action: str,
    ) -> DocumentPublic:
        assert document.id is not None and received.upload is not None
        existed = self.store.exists(received.upload.sha256)
        blob: StoredBlob = self.store.commit(received.upload)
        try:
            version = DocumentVersion(
                document_id=document.id,
                number=number,
                sha256=blob.sha256,
                size=blob.size,
                filename=(received.filename or "document.pdf")[:300],
                page_count=info.page_count,
                pdf_title=info.title,
                pdf_author=info.author,
                uploaded_by=self.ctx.principal.id,
            )
            self.session.add(version)
            document.status = DocumentStatus.processing
            document.searchable = False
            document.ocr_total = document.ocr_done = document.ocr_failed = 0  # the new version's are counted on intake
            self.session.add(document)
            await self.session.flush()
            public = document_public(document)
            audience = await audience_of(self.session, document, await readers_of(self.session, document.id))
            await self.ctx.emit(document.meeting_id, event(document=public.model_dump(mode="json")), audience)
            audit(
                self.session,
                self.ctx.principal.id,
                action,
                "document",
                document.id,
                meeting_id=document.meeting_id,
                version=number,
                sha256=blob.sha256,
                size=blob.size,
                filename=version.filename,
            )
            version_id = version.id
            assert version_id is not None
            document_id = document.id
            on_commit(self.session, lambda: self.enqueue(version_id))
            on_commit(self.session, lambda: self.sync_index(document_id))  # an older version leaves the index
            await self.session.commit()
        except BaseException:
            await self.session.rollback()
            if not existed:
                await self._drop_blob_if_unused(blob.sha256)
            raise
        return public

    async def _validate(self, received: ReceivedUpload) -> PdfInfo:
        assert received.upload is not None
        try:
            return await asyncio.to_thread(validate, received.upload.path, max_pages=self.max_pages)
        except InvalidDocument as exc:
            received.discard()
            raise document_error(exc) from None

    async def list(self, meeting_id: int) -> list[DocumentPublic]:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        return [document_public(d) for d in await visible_documents(self.session, access)]

    async def detail(self, document_id: int) -> DocumentDetail:
        document, _ = await load_readable(self.session, document_id, self.ctx.principal)
        versions = (
            await self.session.exec(
                select(DocumentVersion)
                .where(DocumentVersion.document_id == document_id)
                .order_by(col(DocumentVersion.number))
            )
        ).all()
        names = (
            await self.session.exec(
                select(User.username)
                .join(DocumentReader, col(DocumentReader.user_id) == User.id)
                .where(DocumentReader.document_id == document_id)
                .order_by(col(User.username))
            )
        ).all()
        current = next(v for v in versions if v.number == document.current_version)
        return DocumentDetail(
            **document_public(document).model_dump(),
            readers=list(names),
            versions=[
                VersionPublic.model_validate(v, from_attributes=True).model_copy(
                    update={"searchable_copy": v.ocr_sha256 is not None}
                )
                for v in versions
            ],
            pdf_title=current.pdf_title,
            pdf_author=current.pdf_author,
        )

    async def update(self, document_id: int, data: DocumentUpdate) -> DocumentPublic:
        document, access = await load_readable(self.session, document_id, self.ctx.principal)
        access.require_manage()
        await check_version(self.session, document, data.version)
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        for required in ("title", "classification"):
            if required in changes and changes[required] is None:
                raise Invalid(f"{required} cannot be empty", f"{required} không được để trống")
        if "agenda_item_id" in changes:
            await self._check_item(document.meeting_id, changes["agenda_item_id"])
        old_audience = await audience_of(self.session, document, await readers_of(self.session, document_id))
        if data.allowed_usernames is not None:
            ids = await self._user_ids(split_usernames(data.allowed_usernames))
            await self.session.exec(  # type: ignore[call-overload]
                sql_delete(DocumentReader).where(col(DocumentReader.document_id) == document_id)
            )
            for user_id in ids:
                self.session.add(DocumentReader(document_id=document_id, user_id=user_id))
        for key in ("title", "agenda_item_id", "classification"):
            if key in changes:
                setattr(document, key, changes[key])
        document.version += 1
        self.session.add(document)
        await self.session.flush()
        new_audience = await audience_of(self.session, document, await readers_of(self.session, document_id))
        public = document_public(document)
        await self.ctx.emit(document.meeting_id, DocumentUpdated(document=public.model_dump(mode="json")), new_audience)
        everyone = await meeting_viewers(self.session, document.meeting_id)
        lost = sorted(
            set(everyone if old_audience is None else old_audience)
            - set(everyone if new_audience is None else new_audience)
        )
        if lost:
            await self.ctx.emit(document.meeting_id, DocumentRemoved(document_id=document_id), lost)
        audit(
            self.session,
            self.ctx.principal.id,
            "document.update",
            "document",
            document_id,
            meeting_id=document.meeting_id,
            fields=sorted(changes),
        )
        await self.session.commit()
        return public

    async def delete(self, document_id: int) -> None:
        document, access = await load_readable(self.session, document_id, self.ctx.principal)
        access.require_manage()
        require_open(access.meeting)
        audience = await audience_of(self.session, document, await readers_of(self.session, document_id))
        stored = (
            await self.session.exec(
                select(DocumentVersion.sha256, DocumentVersion.ocr_sha256).where(
                    DocumentVersion.document_id == document_id
                )
            )
        ).all()
        shas = {sha for pair in stored for sha in pair if sha is not None}  # the originals and their OCR copies
        meeting = access.meeting
        if meeting.presenting_document_id == document_id:
            await self._set_presenting(meeting, None, None, None)
        await self.session.delete(document)
        await self.ctx.emit(document.meeting_id, DocumentRemoved(document_id=document_id), audience)
        audit(
            self.session,
            self.ctx.principal.id,
            "document.delete",
            "document",
            document_id,
            meeting_id=document.meeting_id,
            title=document.title,
        )
        await self.session.flush()
        unused = [sha for sha in shas if not await self._sha_in_use(sha)]
        on_commit(self.session, lambda: self._drop_files(unused))
        on_commit(self.session, lambda: self.sync_index(document_id))
        await self.session.commit()

    async def present(self, meeting_id: int, data: PresentRequest) -> Presenting:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        await self._require_presenter(access)
        meeting = access.meeting
        confirmed: dict[str, object] = {}
        if data.document_id is None:
            await self._set_presenting(meeting, None, None, None)
        else:
            document, _ = await load_readable(self.session, data.document_id, self.ctx.principal)
            if document.meeting_id != meeting_id:
                raise NotFound("Document", "tài liệu", data.document_id)
            if data.page > document.page_count:
                raise Invalid(
                    f"Page {data.page} is beyond the last page ({document.page_count})",
                    f"Trang {data.page} vượt quá số trang ({document.page_count})",
                )
            readers = await readers_of(self.session, document.id or 0)
            if document.classification == Classification.confidential and meeting.presenting_document_id != document.id:
                confirmed = await self._confirm_confidential(access, document, readers, data.confirm)
            audience = await audience_of(self.session, document, readers)
            await self._set_presenting(meeting, document.id, data.page, audience)
        audit(
            self.session,
            self.ctx.principal.id,
            "document.present",
            "meeting",
            meeting_id,
            meeting_id=meeting_id,
            document_id=data.document_id,
            page=data.page,
            **confirmed,
        )
        await self.session.commit()
        return Presenting(document_id=meeting.presenting_document_id, page=meeting.presenting_page)

    async def _set_presenting(
        self, meeting: Meeting, document_id: int | None, page: int | None, audience: list[int] | None
    ) -> None:
        assert meeting.id is not None
        meeting.presenting_document_id, meeting.presenting_page = document_id, page
        self.session.add(meeting)
        await self.session.flush()
        await self.ctx.emit(meeting.id, Present(document_id=document_id, page=page), audience)
        if audience is not None:
            # those who may not read it see nothing presented, as their snapshot would say
            others = sorted(set(await meeting_viewers(self.session, meeting.id)) - set(audience))
            if others:
                await self.ctx.emit(meeting.id, Present(document_id=None, page=None), others)

    async def _confirm_confidential(
        self, access: MeetingAccess, document: Document, readers: set[int], confirm: bool
    ) -> dict[str, object]:
        """A confidential document reaches the room screen only when the chair or the secretary confirms it,
        knowing who in the room may not read it; page turns of the document shown need no new confirmation.
        Returns what the audit row keeps of the confirmation."""
        if not access.can_manage:
            raise Forbidden(
                "Only the chair or the secretary may show a confidential document to the room",
                "Chỉ chủ trì hoặc thư ký mới được trình chiếu tài liệu mật",
            )
        outsiders = await room_outsiders(self.session, document, readers)
        if not confirm:
            names = ", ".join(str(person["full_name"]) for person in outsiders)
            raise ConfirmationNeeded(
                f"'{document.title}' is confidential; in the room, these may not read it: {names or 'nobody'}. "
                "Send confirm: true to show it anyway",
                f"'{document.title}' là tài liệu mật; người trong phòng không được đọc: {names or 'không có'}. "
                "Hãy xác nhận để vẫn trình chiếu",
                {"document_id": document.id, "title": document.title, "outsiders": outsiders},
            )
        return {"confidential_confirmed": True, "outsiders": [person["user_id"] for person in outsiders]}

    async def _require_presenter(self, access: MeetingAccess) -> None:
        if access.can_manage:
            return
        current = access.meeting.current_item_id
        item = await self.session.get(AgendaItem, current) if current else None
        if item is None or item.presenter_user_id != self.ctx.principal.id:
            raise Forbidden(
                "Only the secretary, the chair or the presenter of the current item may present",
                "Chỉ thư ký, chủ trì hoặc người trình bày mục hiện tại mới được trình chiếu",
            )

    async def _check_item(self, meeting_id: int, item_id: int | None) -> None:
        if item_id is None:
            return
        item = await self.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFound("Agenda item", "mục chương trình", item_id)

    async def _user_ids(self, usernames: list[str]) -> list[int]:
        if not usernames:
            return []
        found = dict(
            (await self.session.exec(select(User.username, User.id).where(col(User.username).in_(usernames)))).all()
        )
        missing = [name for name in usernames if name not in found]
        if missing:
            raise NotFound("User", "người dùng", ", ".join(missing))
        return sorted(user_id for user_id in found.values() if user_id is not None)

    async def _sha_in_use(self, sha256: str) -> bool:
        used = await self.session.exec(
            select(DocumentVersion.id)
            .where(or_(col(DocumentVersion.sha256) == sha256, col(DocumentVersion.ocr_sha256) == sha256))
            .limit(1)
        )
        return used.first() is not None

    async def _drop_blob_if_unused(self, sha256: str) -> None:
        if not await self._sha_in_use(sha256):
            self._drop_files([sha256])

    def _drop_files(self, shas: list[str]) -> None:
        for sha in shas:
            self.store.delete(sha)
            self.pages.drop(sha)
            self.reader_copies.drop(sha)

    @staticmethod
    def _classification(value: str | None) -> Classification:
        if not value:
            return Classification.internal
        try:
            return Classification(value)
        except ValueError:
            raise Invalid(
                "classification must be public, internal or confidential",
                "Mức độ mật phải là public, internal hoặc confidential",
            ) from None

    @staticmethod
    def _int_field(value: str | None, name: str) -> int | None:
        if not value:
            return None
        if not value.isdigit():
            raise Invalid(f"{name} must be a number", f"{name} phải là số")
        return int(value)
