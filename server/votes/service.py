"""Polls: prepare (draft), open with quorum, vote (one ballot each, enforced by the database), close."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col

from server.agenda.models import AgendaItem
from server.audit import audit
from server.db import utcnow
from server.documents.models import Document
from server.errors import Conflict, Invalid, NotFound
from server.events import PollCreated, PollDeleted, PollOpened, PollUpdated
from server.live.context import ChangeContext
from server.meetings.access import MeetingAccess, load_access
from server.meetings.attendance import attendance_summary
from server.meetings.models import MeetingStatus
from server.meetings.rules import check_version, require_open
from server.votes.closing import close_poll
from server.votes.models import MajorityOf, Poll, PollKind, PollOption, PollStatus
from server.votes.reading import for_event, meeting_polls, poll_public
from server.votes.schemas import PollCreate, PollPublic, PollUpdate, _check_options

# the standard options, Vietnamese as shown in the room (the kiosk translates them by key)
STANDARD_OPTIONS = (("yes", "Tán thành"), ("no", "Không tán thành"), ("abstain", "Không biểu quyết"))


class PollService:
    def __init__(self, ctx: ChangeContext, default_majority: MajorityOf) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.default_majority = default_majority

    # --- reading -----------------------------------------------------------------------------------------

    async def list_polls(self, meeting_id: int) -> list[PollPublic]:
        await load_access(self.session, meeting_id, self.ctx.principal)
        return await meeting_polls(self.session, meeting_id, self.ctx.principal.id)

    async def get(self, poll_id: int) -> PollPublic:
        poll, _ = await self._load(poll_id)
        return await poll_public(self.session, poll, self.ctx.principal.id)

    # --- preparing -----------------------------------------------------------------------------------------

    async def create(self, meeting_id: int, data: PollCreate) -> PollPublic:
        access = await load_access(self.session, meeting_id, self.ctx.principal)
        access.require_manage()
        require_open(access.meeting)
        await self._check_subject(meeting_id, data.agenda_item_id, data.document_id)
        poll = Poll(
            meeting_id=meeting_id,
            agenda_item_id=data.agenda_item_id,
            document_id=data.document_id,
            title=data.title.strip(),
            description=data.description,
            kind=data.kind,
            secret=data.secret,
            allow_change=data.allow_change,
            majority_of=data.majority_of or self.default_majority,
            created_by=self.ctx.principal.id,
        )
        self.session.add(poll)
        await self.session.flush()
        self._add_options(poll, data.kind, data.options)
        await self.session.flush()
        public = await poll_public(self.session, poll)
        await self.ctx.emit(meeting_id, PollCreated(poll=for_event(public)))
        self._audit("poll.create", poll, title=poll.title, kind=str(poll.kind), secret=poll.secret)
        await self.session.commit()
        return public

    async def update(self, poll_id: int, data: PollUpdate) -> PollPublic:
        poll, access = await self._load(poll_id, manage=True)
        self._require_draft(poll)
        await check_version(self.session, poll, data.version)
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        for required in ("title", "kind", "secret", "allow_change", "majority_of"):
            if required in changes and changes[required] is None:
                raise Invalid(f"{required} cannot be empty", f"{required} không được để trống")
        kind = PollKind(changes.get("kind", poll.kind))
        options = changes.get("options")
        if "kind" in changes and kind != poll.kind and kind == PollKind.custom and options is None:
            raise Invalid("A custom poll needs its options", "Biểu quyết tùy chọn cần có các phương án")
        try:
            _check_options(
                kind, options, changes.get("secret", poll.secret), changes.get("allow_change", poll.allow_change)
            )
        except ValueError as error:
            raise Invalid(str(error)) from error
        await self._check_subject(
            poll.meeting_id,
            changes.get("agenda_item_id", poll.agenda_item_id),
            changes.get("document_id", poll.document_id),
        )
        for key in ("title", "description", "secret", "allow_change", "majority_of", "agenda_item_id", "document_id"):
            if key in changes:
                setattr(poll, key, changes[key].strip() if key == "title" else changes[key])
        if options is not None or kind != poll.kind:
            await self.session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll.id))
            poll.kind = kind
            self._add_options(poll, kind, options)
        poll.version += 1
        self.session.add(poll)
        await self.session.flush()
        public = await poll_public(self.session, poll)
        await self.ctx.emit(poll.meeting_id, PollUpdated(poll=for_event(public)))
        self._audit("poll.update", poll, fields=sorted(changes))
        await self.session.commit()
        return public

    async def delete(self, poll_id: int) -> None:
        poll, _ = await self._load(poll_id, manage=True)
        self._require_draft(poll, "Only a draft poll can be deleted", "Chỉ xoá được biểu quyết chưa mở")
        self._audit("poll.delete", poll, title=poll.title)
        meeting_id = poll.meeting_id
        await self.session.delete(poll)
        await self.ctx.emit(meeting_id, PollDeleted(poll_id=poll_id))
        await self.session.commit()

    # --- running -------------------------------------------------------------------------------------------

    async def open(self, poll_id: int) -> PollPublic:
        poll, access = await self._load(poll_id, manage=True)
        self._require_draft(poll, "This poll has already been opened", "Biểu quyết này đã được mở")
        meeting = access.meeting
        if meeting.status != MeetingStatus.live:
            raise Conflict("Start the meeting before opening a poll", "Hãy bắt đầu cuộc họp trước khi mở biểu quyết")
        attendance = await attendance_summary(self.session, meeting)
        if not attendance["quorum"]:
            present, members, needed = (
                attendance["voting_present"],
                attendance["voting_members"],
                attendance["quorum_needed"],
            )
            raise Conflict(
                f"No quorum: {present} of {members} voting members are present, {needed} are needed to open a poll",
                f"Chưa đủ túc số: {present}/{members} thành viên biểu quyết có mặt, cần {needed} để mở biểu quyết",
            )
        poll.status = PollStatus.open
        poll.opened_at = utcnow()
        poll.version += 1
        self.session.add(poll)
        await self.session.flush()
        public = await poll_public(self.session, poll)
        await self.ctx.emit(poll.meeting_id, PollOpened(poll=for_event(public)))
        self._audit(
            "poll.open",
            poll,
            voting_present=attendance["voting_present"],
            voting_members=attendance["voting_members"],
        )
        await self.session.commit()
        return await poll_public(self.session, poll, self.ctx.principal.id)

    async def close(self, poll_id: int) -> PollPublic:
        poll, access = await self._load(poll_id, manage=True)
        if poll.status != PollStatus.open:
            raise Conflict("Only an open poll can be closed", "Chỉ kết thúc được biểu quyết đang mở")
        await close_poll(self.ctx, access.meeting, poll)
        await self.session.commit()
        await self.ctx.committed()
        return await poll_public(self.session, poll, self.ctx.principal.id)

    # --- helpers -------------------------------------------------------------------------------------------

    async def _load(self, poll_id: int, manage: bool = False) -> tuple[Poll, MeetingAccess]:
        poll = await self.session.get(Poll, poll_id)
        if poll is None:
            raise NotFound("Poll", "biểu quyết", poll_id)
        try:
            access = await load_access(self.session, poll.meeting_id, self.ctx.principal)
        except NotFound:
            raise NotFound("Poll", "biểu quyết", poll_id) from None
        if manage:
            access.require_manage()
            require_open(access.meeting)
        return poll, access

    async def _check_subject(self, meeting_id: int, item_id: int | None, document_id: int | None) -> None:
        if item_id is not None:
            item = await self.session.get(AgendaItem, item_id)
            if item is None or item.meeting_id != meeting_id:
                raise NotFound("Agenda item", "mục chương trình", item_id)
        if document_id is not None:
            document = await self.session.get(Document, document_id)
            if document is None or document.meeting_id != meeting_id:
                raise NotFound("Document", "tài liệu", document_id)

    def _add_options(self, poll: Poll, kind: PollKind, labels: list[str] | None) -> None:
        assert poll.id is not None
        if kind == PollKind.yes_no_abstain:
            for position, (key, label) in enumerate(STANDARD_OPTIONS):
                self.session.add(PollOption(poll_id=poll.id, position=position, key=key, label=label))
        else:
            for position, label in enumerate(labels or []):
                self.session.add(PollOption(poll_id=poll.id, position=position, label=label.strip()))

    @staticmethod
    def _require_draft(
        poll: Poll,
        detail: str = "An opened poll is part of the record and cannot be edited",
        detail_vi: str = "Biểu quyết đã mở là một phần của hồ sơ, không thể sửa",
    ) -> None:
        if poll.status != PollStatus.draft:
            raise Conflict(detail, detail_vi)

    def _audit(self, action: str, poll: Poll, **detail: object) -> None:
        audit(self.session, self.ctx.principal.id, action, "poll", poll.id, meeting_id=poll.meeting_id, **detail)
