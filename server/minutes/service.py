"""Minutes: draft from the record, edit in versions, approve (signed PDF), reopen, export.

Who: the chair and secretary (and administrators) draft, edit and read drafts; only the chair approves
and reopens; everyone who sees the meeting reads and exports approved minutes. Each reader gets the lines
their sources allow (server/minutes/audience.py): anyone but the chair and secretary may get an extract,
never signed. Every change checks the version it was made on, adds a ``MinutesVersion``, logs
``minutes.updated`` and an audit row.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, NoReturn

import anyio
from cryptography import x509
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.minutes import draft as draft_minutes
from assistant.minutes_content import InvalidMinutes, MinutesContent
from assistant.minutes_render import to_docx, to_pdf
from documents.sign import sign_pdf
from documents.signers import SignatureText, SigningFailed
from server.assistant.llm import ChatPhraser
from server.assistant.records import minutes_sources
from server.audit import audit
from server.auth.models import User
from server.db import utcnow
from server.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from server.events import MinutesUpdated
from server.live.context import ChangeContext
from server.meetings.access import MeetingAccess, load_access
from server.meetings.models import MeetingRole, MeetingStatus
from server.minutes.audience import extract, meeting_sources, reader_of
from server.minutes.models import Minutes, MinutesStatus, MinutesVersion, VersionKind
from server.minutes.prose import phrase_discussions
from server.minutes.record import read_record
from server.minutes.schemas import (
    MinutesApprove,
    MinutesDraftRequest,
    MinutesEdit,
    MinutesPublic,
    MinutesReopen,
    MinutesSign,
    MinutesVersionPublic,
)
from server.minutes.signing import (
    CHAIR_FIELD,
    SECRETARY_FIELD,
    SIGNING_ORDER,
    prepare_for_signatures,
    signed_fields,
    signer_for,
    signing_identity,
)
from server.settings import Settings

log = logging.getLogger(__name__)
DRAFT_MARK = {"vi": " (DỰ THẢO)", "en": " (DRAFT)"}


async def minutes_state(session: AsyncSession, meeting_id: int) -> dict[str, Any] | None:
    """The snapshot's ``minutes``: status and version (content over HTTP), None before the first draft."""
    minutes = (await session.exec(select(Minutes).where(Minutes.meeting_id == meeting_id))).first()
    return {"status": str(minutes.status), "version": minutes.version} if minutes else None


class MinutesService:
    def __init__(self, ctx: ChangeContext, settings: Settings, phraser: ChatPhraser | None = None) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.settings = settings
        self.phraser = phraser

    # ------------------------------------------------------------------------------------------ reading

    async def _minutes(self, meeting_id: int) -> Minutes | None:
        return (await self.session.exec(select(Minutes).where(Minutes.meeting_id == meeting_id))).first()

    async def _readable(self, meeting_id: int) -> tuple[MeetingAccess, Minutes, MinutesVersion]:
        """The minutes and the version this caller may read: the current one for the chair and secretary,
        the approved one for everyone else (NotFound while there is none)."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        minutes = await self._minutes(meeting_id)
        if minutes is not None and (access.can_manage or minutes.status == MinutesStatus.approved):
            return access, minutes, await self._version(minutes, minutes.version)
        raise NotFound("Minutes", "biên bản", meeting_id)

    async def _version(self, minutes: Minutes, number: int) -> MinutesVersion:
        version = (
            await self.session.exec(
                select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id, MinutesVersion.number == number)
            )
        ).first()
        if version is None:
            raise NotFound("Minutes version", "phiên bản biên bản", number)
        return version

    async def _name(self, user_id: int | None) -> str | None:
        user = await self.session.get(User, user_id) if user_id else None
        return user.display_name if user else None

    async def _shown(self, access: MeetingAccess, version: MinutesVersion) -> tuple[MinutesContent, bool]:
        """The version's content as this caller may read it (server/minutes/audience.py), and whether that
        is the whole text."""
        reader = await reader_of(self.session, access)
        content = MinutesContent.from_dict(version.content)
        if reader.full:
            return content, True
        return extract(content, await meeting_sources(self.session, access.meeting.id or 0), reader)

    async def _public(self, access: MeetingAccess, minutes: Minutes, version: MinutesVersion) -> MinutesPublic:
        content, whole = await self._shown(access, version)
        approved_pdf = version.signed_pdf if minutes.status == MinutesStatus.approved and whole else None
        signatures = await anyio.to_thread.run_sync(signed_fields, approved_pdf) if approved_pdf else []
        awaiting = [name for name in SIGNING_ORDER if name not in signatures]
        # minutes signed with the organisation's key before personal signatures were turned on stay as they are
        personal = (
            approved_pdf is not None and self.settings.personal_signatures and set(signatures) <= {*SIGNING_ORDER}
        )
        return MinutesPublic(
            meeting_id=minutes.meeting_id,
            status=minutes.status,
            version=minutes.version,
            language=minutes.language,
            content=content.to_dict(),
            extract=not whole,
            updated_by=minutes.updated_by,
            updated_by_name=await self._name(minutes.updated_by),
            updated_at=minutes.updated_at,
            approved_by=minutes.approved_by,
            approved_by_name=await self._name(minutes.approved_by),
            approved_at=minutes.approved_at,
            signed=bool(signatures) and (not personal or not awaiting),
            signatures=signatures,
            next_signer=awaiting[0] if personal and awaiting else None,
        )

    async def get(self, meeting_id: int) -> MinutesPublic:
        access, minutes, version = await self._readable(meeting_id)
        return await self._public(access, minutes, version)

    async def versions(self, meeting_id: int) -> list[MinutesVersionPublic]:
        await self._managed(meeting_id)
        minutes = await self._minutes(meeting_id)
        if minutes is None:
            return []
        rows = await self.session.exec(
            select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id).order_by(col(MinutesVersion.number))
        )
        return [
            MinutesVersionPublic(
                number=v.number,
                kind=v.kind,
                note=v.note,
                created_by=v.created_by,
                created_by_name=await self._name(v.created_by),
                created_at=v.created_at,
                approved_at=v.approved_at,
            )
            for v in rows.all()
        ]

    async def version_content(self, meeting_id: int, number: int) -> dict[str, Any]:
        access = await self._managed(meeting_id)
        minutes = await self._minutes(meeting_id)
        if minutes is None:
            raise NotFound("Minutes", "biên bản", meeting_id)
        return (await self._shown(access, await self._version(minutes, number)))[0].to_dict()

    async def export(self, meeting_id: int, fmt: str) -> tuple[bytes, str]:
        """The DOCX or PDF and a file name; an approved PDF is the signed one for a reader of every line (an
        extract is rendered unsigned: the signature covers the whole text), a draft is marked as such."""
        access, minutes, version = await self._readable(meeting_id)
        content, whole = await self._shown(access, version)
        name = f"bien-ban-{meeting_id}-v{minutes.version}{'' if whole else '-trich'}.{fmt}"
        if fmt == "pdf" and minutes.status == MinutesStatus.approved and version.signed_pdf is not None and whole:
            return version.signed_pdf, name
        if minutes.status != MinutesStatus.approved:
            content.header = dataclasses.replace(
                content.header, kind=content.header.kind + DRAFT_MARK.get(content.language, "")
            )
        render = to_pdf if fmt == "pdf" else to_docx
        return await anyio.to_thread.run_sync(render, content), name

    # ----------------------------------------------------------------------------------------- changing

    async def _managed(self, meeting_id: int) -> MeetingAccess:
        return (await load_access(self.session, meeting_id, self.ctx.principal)).require_manage()

    async def _chair(self, meeting_id: int) -> MeetingAccess:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        if access.meeting_role != MeetingRole.chair:
            raise Forbidden(
                "Only the chair of this meeting may approve or reopen its minutes",
                "Chỉ chủ trì cuộc họp mới được duyệt hoặc mở lại biên bản",
            )
        return access

    @staticmethod
    def _require_draft(minutes: Minutes | None) -> None:
        if minutes is not None and minutes.status == MinutesStatus.approved:
            raise Conflict(
                "The minutes are approved and read-only; the chair must reopen them first",
                "Biên bản đã được duyệt, chỉ đọc; chủ trì cần mở lại trước",
            )

    @staticmethod
    def _check_base(minutes: Minutes | None, base_version: int | None) -> None:
        current = minutes.version if minutes else 0
        if minutes is not None and base_version is None:
            raise Conflict(
                f"Minutes exist (version {current}): send base_version to replace them",
                f"Biên bản đã có (phiên bản {current}): gửi base_version để thay thế",
            )
        if base_version is not None and base_version != current:
            raise Conflict(
                f"Someone else changed the minutes first (version {current}, you sent {base_version}); reload",
                f"Người khác vừa sửa biên bản (phiên bản {current}, bạn gửi {base_version}); hãy tải lại",
            )

    async def _save(
        self, meeting_id: int, minutes: Minutes | None, content: dict[str, Any], kind: VersionKind, note: str = ""
    ) -> tuple[Minutes, MinutesVersion]:
        if minutes is None:
            minutes = Minutes(meeting_id=meeting_id, language=str(content.get("language", "vi")))
            self.session.add(minutes)
            await self.session.flush()
        minutes.version += 1
        minutes.updated_by = self.ctx.principal.id
        minutes.updated_at = utcnow()
        minutes.language = str(content.get("language", minutes.language))
        version = MinutesVersion(
            minutes_id=minutes.id or 0,
            meeting_id=meeting_id,
            number=minutes.version,
            kind=kind,
            content=content,
            note=note,
            created_by=self.ctx.principal.id,
        )
        self.session.add(minutes)
        self.session.add(version)
        await self.session.flush()
        return minutes, version

    async def _finish(
        self, access: MeetingAccess, minutes: Minutes, version: MinutesVersion, action: str, **fields: Any
    ) -> MinutesPublic:
        meeting_id = minutes.meeting_id
        event = MinutesUpdated(
            action=action, status=str(minutes.status), version=minutes.version, updated_by=self.ctx.principal.id
        )
        await self.ctx.emit(meeting_id, event)
        audit(
            self.session,
            self.ctx.principal.id,
            f"minutes.{action}",
            "minutes",
            minutes.id,
            meeting_id=meeting_id,
            version=minutes.version,
            **fields,
        )
        public = await self._public(access, minutes, version)
        await self.session.commit()
        return public

    async def draft(self, meeting_id: int, data: MinutesDraftRequest) -> MinutesPublic:
        access = await self._managed(meeting_id)
        minutes = await self._minutes(meeting_id)
        self._require_draft(minutes)
        self._check_base(minutes, data.base_version)
        record = await read_record(self.session, access.meeting, self.settings)
        language = data.language or self.settings.minutes_language
        content = await anyio.to_thread.run_sync(draft_minutes, record, language)
        phrased = await phrase_discussions(content, self.phraser) if self.phraser is not None else 0
        minutes, version = await self._save(meeting_id, minutes, content.to_dict(), VersionKind.drafted)
        return await self._finish(access, minutes, version, "drafted", language=language, phrased=phrased)

    async def edit(self, meeting_id: int, data: MinutesEdit) -> MinutesPublic:
        access = await self._managed(meeting_id)
        minutes = await self._minutes(meeting_id)
        if minutes is None:
            raise NotFound("Minutes", "biên bản", meeting_id)
        self._require_draft(minutes)
        self._check_base(minutes, data.base_version)
        if not (await self._shown(access, await self._version(minutes, minutes.version)))[1]:
            raise Forbidden(
                "The minutes hold lines you may not read; only someone who reads them all may replace them",
                "Biên bản có nội dung bạn không được xem; chỉ người xem được toàn bộ mới được sửa",
            )
        try:
            content = MinutesContent.from_input(data.content)
        except InvalidMinutes as exc:
            raise Invalid(f"Invalid minutes: {exc}", f"Nội dung biên bản không hợp lệ: {exc}") from exc
        minutes, version = await self._save(meeting_id, minutes, content.to_dict(), VersionKind.edited)
        return await self._finish(access, minutes, version, "edited")

    async def _approvable(self, meeting_id: int, base_version: int) -> tuple[MeetingAccess, Minutes, MinutesVersion]:
        """The meeting, minutes and version the chair may approve now: the current draft, `base_version`,
        of a closed meeting."""
        access = await self._chair(meeting_id)
        minutes = await self._minutes(meeting_id)
        if minutes is None:
            raise NotFound("Minutes", "biên bản", meeting_id)
        self._require_draft(minutes)
        self._check_base(minutes, base_version)
        if access.meeting.status != MeetingStatus.closed:
            raise Conflict(
                "Close the meeting before approving its minutes", "Cần kết thúc cuộc họp trước khi duyệt biên bản"
            )
        return access, minutes, await self._version(minutes, minutes.version)

    async def approve(self, meeting_id: int, data: MinutesApprove) -> MinutesPublic:
        access, _, version = await self._approvable(meeting_id, data.base_version)
        content = MinutesContent.from_dict(version.content)
        chair = await self._name(self.ctx.principal.id) or ""
        reason = f"Phê duyệt biên bản / minutes approved: {access.meeting.title}"[:200]
        # Rendering and signing take seconds; on SQLite a write session holds the database's write lock
        # from its first statement, so this transaction ends here and every other meeting's writes go on
        # meanwhile. Versions never change once saved: the checks are made again below, and a draft
        # edited, approved or reopened in between refuses this approval (409) instead of signing stale text.
        await self.session.commit()
        settings = self.settings

        def render_and_sign() -> bytes:
            if settings.personal_signatures:  # the secretary and the chair sign it next (self.sign)
                return prepare_for_signatures(content)
            identity = signing_identity(settings)
            return sign_pdf(to_pdf(content), identity, reason=reason, location=settings.organisation_place, name=chair)

        signed_pdf = await anyio.to_thread.run_sync(render_and_sign)
        self.session.expire_all()  # read everything again in the new transaction
        access, minutes, version = await self._approvable(meeting_id, data.base_version)
        version.signed_pdf = signed_pdf
        now = utcnow()
        version.approved_by = minutes.approved_by = self.ctx.principal.id
        version.approved_at = minutes.approved_at = now
        minutes.status = MinutesStatus.approved
        minutes.updated_by, minutes.updated_at = self.ctx.principal.id, now
        self.session.add(version)
        self.session.add(minutes)
        for kind, key in await minutes_sources(self.session, meeting_id):
            self.ctx.reindex_after_commit(kind, key)
        return await self._finish(access, minutes, version, "approved")

    async def reopen(self, meeting_id: int, data: MinutesReopen) -> MinutesPublic:
        access = await self._chair(meeting_id)
        minutes = await self._minutes(meeting_id)
        if minutes is None or minutes.status != MinutesStatus.approved:
            raise Conflict("The minutes are not approved", "Biên bản chưa được duyệt")
        approved = await self._version(minutes, minutes.version)
        minutes.status = MinutesStatus.draft
        minutes.approved_by = None
        minutes.approved_at = None
        minutes, version = await self._save(
            meeting_id, minutes, approved.content, VersionKind.reopened, data.reason.strip()
        )
        return await self._finish(access, minutes, version, "reopened", reason=data.reason.strip())

    # ---------------------------------------------------------------------------------- personal signing

    @staticmethod
    def _signing_field(access: MeetingAccess) -> str:
        """The field this caller signs: the secretary's or the chair's; anyone else is refused."""
        if access.meeting_role == MeetingRole.secretary:
            return SECRETARY_FIELD
        if access.meeting_role == MeetingRole.chair:
            return CHAIR_FIELD
        raise Forbidden(
            "Only the meeting's secretary and then its chair sign the minutes",
            "Chỉ thư ký rồi đến chủ tọa của cuộc họp mới được ký biên bản",
        )

    @staticmethod
    def _check_turn(field: str, signed: list[str]) -> None:
        """The secretary's signature first, then the chair's, each once."""
        if field in signed:
            raise Conflict("You have signed these minutes already", "Bạn đã ký biên bản này rồi")
        if field == CHAIR_FIELD and SECRETARY_FIELD not in signed:
            raise Conflict(
                "The secretary signs the minutes first, then the chair",
                "Thư ký ký biên bản trước, sau đó chủ tọa mới ký",
            )

    async def _signable(self, meeting_id: int) -> tuple[MeetingAccess, str, Minutes, MinutesVersion, bytes]:
        """The meeting, the caller's field, the approved minutes and the PDF they sign now."""
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        field = self._signing_field(access)
        minutes = await self._minutes(meeting_id)
        if minutes is None or minutes.status != MinutesStatus.approved:
            raise Conflict("The minutes are not approved yet", "Biên bản chưa được duyệt")
        version = await self._version(minutes, minutes.version)
        if not self.settings.personal_signatures or version.signed_pdf is None:
            raise Conflict(
                "These minutes were signed with the organisation's key at approval; personal signatures are off",
                "Biên bản đã được ký bằng khóa của cơ quan khi duyệt; chế độ ký cá nhân đang tắt",
            )
        return access, field, minutes, version, version.signed_pdf

    async def sign(self, meeting_id: int, data: MinutesSign) -> MinutesPublic:
        """The secretary, then the chair: sign the approved minutes' PDF in their signature block (PAdES, an
        incremental update), with their token (the PIN in `data`, used once) or the organisation's key.

        A refusal (wrong person, wrong order, wrong PIN) changes nothing and is audited."""
        try:
            access, field, minutes, version, pdf = await self._signable(meeting_id)
        except Forbidden as exc:  # someone in the meeting who is neither its secretary nor its chair
            await self._refused(meeting_id, await self._minutes(meeting_id), "not_a_signer", exc)
        try:
            self._check_turn(field, await anyio.to_thread.run_sync(signed_fields, pdf))
        except AppError as exc:
            await self._refused(meeting_id, minutes, "out_of_turn", exc, field=field)
        user = self.ctx.principal.user
        signer = signer_for(self.settings, user.username, data.pin.get_secret_value() if data.pin else None)
        role_vi = "thư ký" if field == SECRETARY_FIELD else "chủ tọa"
        text = SignatureText(
            reason=f"Ký biên bản với tư cách {role_vi} / signed as {field}: {access.meeting.title}"[:200],
            location=self.settings.organisation_place,
            name=user.display_name,
        )
        await self.session.commit()  # as approve: no write lock held while the token signs
        try:
            result = await anyio.to_thread.run_sync(signer.sign, pdf, field, text)
        except SigningFailed as exc:
            log.warning("minutes %s: signing as %s failed: %s %s", meeting_id, field, exc.code, exc.detail)
            await self._refused(meeting_id, minutes, exc.code, Invalid(exc.message_en, exc.message_vi), field=field)
        self.session.expire_all()
        access, field, minutes, version, current = await self._signable(meeting_id)
        if current != pdf:
            raise Conflict(
                "The minutes were signed or reopened meanwhile; reload", "Biên bản vừa được ký hoặc mở lại; hãy tải lại"
            )
        version.signed_pdf = result.pdf
        self.session.add(version)
        certificate = x509.load_der_x509_certificate(result.certificate_der)
        return await self._finish(
            access,
            minutes,
            version,
            "signed",
            field=field,
            signer=result.signer,
            certificate_subject=certificate.subject.rfc4514_string(),
            certificate_issuer=certificate.issuer.rfc4514_string(),
            certificate_serial=format(certificate.serial_number, "x"),
        )

    async def _refused(
        self, meeting_id: int, minutes: Minutes | None, reason: str, error: AppError, **fields: Any
    ) -> NoReturn:
        """Audit a refused signing (nothing else changes) and raise `error`."""
        audit(
            self.session,
            self.ctx.principal.id,
            "minutes.sign_refused",
            "minutes",
            minutes.id if minutes else None,
            meeting_id=meeting_id,
            version=minutes.version if minutes else None,
            reason=reason,
            **fields,
        )
        await self.session.commit()
        raise error
