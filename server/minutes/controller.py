"""Routes for a meeting's minutes: draft, read, edit, versions, approve, reopen, export, verify."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from documents.errors import InvalidDocument
from server.db import DbSession
from server.downloads import NOSNIFF, content_disposition
from server.errors import Invalid
from server.meetings.controller import change_context
from server.minutes.schemas import (
    MinutesApprove,
    MinutesDraftRequest,
    MinutesEdit,
    MinutesPublic,
    MinutesReopen,
    MinutesSign,
    MinutesVersionPublic,
    SignatureCheck,
    SignatureReportPublic,
)
from server.minutes.service import MinutesService
from server.minutes.signing import verify_signed

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_VERIFY_BYTES = 50 * 1024 * 1024


def minutes_service(request: Request, db_session: DbSession) -> MinutesService:
    state = request.app.state
    return MinutesService(change_context(request, db_session), state.settings, state.phraser)


def _file(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store", **NOSNIFF},
    )


class MinutesController(Controller):
    path = "/api/meetings/{meeting_id:int}"
    tags = ["minutes"]

    @post("/minutes/draft", status_code=HTTP_200_OK)
    async def draft(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[MinutesDraftRequest]
    ) -> MinutesPublic:
        """Chair or secretary: build the minutes from the meeting's record (a new version)."""
        return await minutes_service(request, db_session).draft(meeting_id, data)

    @get("/minutes")
    async def get_minutes(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> MinutesPublic:
        """The current minutes (chair and secretary), or the approved minutes (everyone in the meeting)."""
        return await minutes_service(request, db_session).get(meeting_id)

    @put("/minutes")
    async def edit(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[MinutesEdit]
    ) -> MinutesPublic:
        """Chair or secretary: save edited content as a new version (409 when base_version is not current)."""
        return await minutes_service(request, db_session).edit(meeting_id, data)

    @get("/minutes/versions")
    async def versions(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int]
    ) -> list[MinutesVersionPublic]:
        """Chair or secretary: every version, who made it and when."""
        return await minutes_service(request, db_session).versions(meeting_id)

    @get("/minutes/versions/{number:int}")
    async def version(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], number: FromPath[int]
    ) -> dict[str, Any]:
        """Chair or secretary: the content of one version."""
        return await minutes_service(request, db_session).version_content(meeting_id, number)

    @post("/minutes/approve", status_code=HTTP_200_OK)
    async def approve(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[MinutesApprove]
    ) -> MinutesPublic:
        """The chair: approve the current version; it becomes read-only and its PDF is signed (PAdES)."""
        return await minutes_service(request, db_session).approve(meeting_id, data)

    @post("/minutes/sign", status_code=HTTP_200_OK)
    async def sign(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[MinutesSign]
    ) -> MinutesPublic:
        """With personal signatures: the secretary, then the chair, sign the approved minutes in their block
        (their token's PIN in the body; 400 when wrong, 403 for anyone else, 409 out of order)."""
        return await minutes_service(request, db_session).sign(meeting_id, data)

    @post("/minutes/reopen", status_code=HTTP_200_OK)
    async def reopen(
        self, request: Request, db_session: DbSession, meeting_id: FromPath[int], data: JSONBody[MinutesReopen]
    ) -> MinutesPublic:
        """The chair: withdraw the approval (logged with the reason) so a new version can be made."""
        return await minutes_service(request, db_session).reopen(meeting_id, data)

    @get("/minutes.docx", media_type=DOCX_TYPE)
    async def docx(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> Response[bytes]:
        """The minutes as a Word document (a draft is marked DỰ THẢO)."""
        content, name = await minutes_service(request, db_session).export(meeting_id, "docx")
        return _file(content, DOCX_TYPE, name)

    @get("/minutes.pdf", media_type="application/pdf")
    async def pdf(self, request: Request, db_session: DbSession, meeting_id: FromPath[int]) -> Response[bytes]:
        """The minutes as PDF: once approved, the signed copy."""
        content, name = await minutes_service(request, db_session).export(meeting_id, "pdf")
        return _file(content, "application/pdf", name)


class MinutesVerifyController(Controller):
    path = "/api/minutes"
    tags = ["minutes"]

    @post("/verify", status_code=HTTP_200_OK, request_max_body_size=MAX_VERIFY_BYTES + 64 * 1024)
    async def verify(
        self, request: Request, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> SignatureCheck:
        """Anyone signed in: check a minutes PDF (multipart `file`): each signature's signer, time, chain to
        the organisation's certificate or a configured CA, and whether the file changed after it."""
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("Send the PDF in a 'file' field", "Hãy gửi tệp PDF trong trường 'file'")
        content = await upload.read()
        try:
            # pyHanko's validator runs its own event loop: off this one
            result = await anyio.to_thread.run_sync(verify_signed, request.app.state.settings, content)
        except InvalidDocument as exc:
            raise Invalid(exc.message_en, exc.message_vi) from exc
        return SignatureCheck(
            valid=result.valid,
            intact=result.intact,
            signer=result.signer,
            signed_at=result.signed_at,
            reason=result.reason,
            signatures=[SignatureReportPublic(**dataclasses.asdict(report)) for report in result.signatures],
        )
