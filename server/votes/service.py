"""Polls: prepare (draft), open with quorum, vote (one ballot each, enforced by the database), close."""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy import and_, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.agenda.models import AgendaItem
from server.audit import audit
from server.db import on_commit, utcnow
from server.documents.models import Document
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.events import PollCreated, PollDeleted, PollOpened, PollUpdated
from server.live.context import ChangeContext
from server.meetings.access import MeetingAccess, load_access
from server.meetings.attendance import attendance_summary, is_voting_member
from server.meetings.models import Attendance, MeetingStatus, Participant
from server.meetings.rules import check_version, require_open
from server.votes.closing import close_poll
from server.votes.models import MajorityOf, Poll, PollBallot, PollKind, PollOption, PollStatus, PollVoter
from server.votes.reading import for_event, meeting_polls, poll_public
from server.votes.schemas import BallotCreate, BallotReceipt, PollCreate, PollPublic, PollUpdate, _check_options

# the standard options, Vietnamese as shown in the room (the kiosk translates them by key)
STANDARD_OPTIONS = (("yes", "Tán thành"), ("no", "Không tán thành"), ("abstain", "Không biểu quyết"))


class Tally(Protocol):
    write_lock: asyncio.Lock

    def schedule(self, meeting_id: int, poll_id: int) -> None: ...


class PollService:
    def __init__(self, ctx: ChangeContext, default_majority: MajorityOf, tally: Tally) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.default_majority = default_majority
        self.tally = tally

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
        check_version(poll.version, data.version)
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
        return await poll_public(self.session, poll, self.ctx.principal.id)

    async def vote(self, poll_id: int, data: BallotCreate) -> BallotReceipt:
        # one ballot transaction at a time in this process (the database still decides between processes)
        async with self.tally.write_lock:
            try:
                return await self._vote(poll_id, data)
            except BaseException:
                await self.session.rollback()  # end the write transaction before the next ballot starts
                raise

    async def _vote(self, poll_id: int, data: BallotCreate) -> BallotReceipt:
        poll, participant, option = await self._load_ballot(poll_id, data.option_id)
        assert poll.id is not None
        if participant is None or not is_voting_member(participant):
            raise Forbidden(
                "Only the meeting's voting members (chair, secretary, delegates) vote; guests do not",
                "Chỉ chủ trì, thư ký và đại biểu được biểu quyết; khách mời không biểu quyết",
            )
        if poll.status != PollStatus.open:
            raise Conflict(*_not_open(poll))
        if participant.attendance != Attendance.present:
            raise Conflict(
                "Only members checked in as present vote: check in first",
                "Chỉ thành viên đã điểm danh có mặt mới được biểu quyết: hãy điểm danh trước",
            )
        if option is None:
            raise Invalid(
                f"Option {data.option_id} is not one of this poll's options",
                f"Phương án {data.option_id} không thuộc biểu quyết này",
            )
        # takes the poll row's lock and re-checks it is open in one statement: a close racing this ballot
        # either waits for it or makes it fail here
        serial = (
            await self.session.exec(
                update(Poll)
                .where(col(Poll.id) == poll.id, col(Poll.status) == PollStatus.open)
                .values(ballot_serial=Poll.ballot_serial + 1)
                .returning(col(Poll.ballot_serial))
            )
        ).scalar_one_or_none()
        if serial is None:
            raise Conflict(*_not_open(poll))
        user_id = self.ctx.principal.id
        changed = False
        if poll.secret:
            await self._insert_once(PollVoter(poll_id=poll.id, user_id=user_id))
            await self.session.exec(
                update(PollOption).where(col(PollOption.id) == option.id).values(votes=PollOption.votes + 1)
            )
            # no audit row per secret ballot: its time would line up with the count change in the
            # event log and name the voter's choice; who took part is the poll_voter table
        else:
            inserted = await self._insert_once(
                PollBallot(poll_id=poll.id, user_id=user_id, option_id=option.id or 0, serial=serial),
                allow_change=poll.allow_change,
            )
            if not inserted:
                changed = True
                await self.session.exec(
                    update(PollBallot)
                    .where(col(PollBallot.poll_id) == poll.id, col(PollBallot.user_id) == user_id)
                    .values(option_id=option.id, serial=serial, cast_at=utcnow())
                )
            self._audit("poll.vote", poll, option_id=option.id, option=option.label, changed=changed)
        meeting_id, tallied = poll.meeting_id, poll.id
        on_commit(self.session, lambda: self.tally.schedule(meeting_id, tallied))
        await self.session.commit()
        return BallotReceipt(poll_id=poll.id, option_id=None if poll.secret else option.id, changed=changed)

    async def _insert_once(self, row: PollBallot | PollVoter, allow_change: bool = False) -> bool:
        """Insert the voter's row; the (poll_id, user_id) constraint refuses a second one, even from a
        concurrent request. Returns False when a ballot exists and may be changed."""
        try:
            if allow_change:  # the transaction goes on after a refused insert: keep it in a savepoint
                async with self.session.begin_nested():
                    self.session.add(row)
            else:  # a refused insert ends the request (409) and rolls everything back
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            if allow_change:
                return False
            raise Conflict(
                "You have already voted in this poll", "Bạn đã biểu quyết trong lần biểu quyết này"
            ) from None
        return True

    # --- helpers -------------------------------------------------------------------------------------------

    async def _load_ballot(self, poll_id: int, option_id: int) -> tuple[Poll, Participant | None, PollOption | None]:
        """The poll, the caller's participation and the chosen option (if it is the poll's) in one query:
        a ballot is the hot path of a vote. Same visibility rule as ``load_access``."""
        user_id = self.ctx.principal.id
        mine = and_(col(Participant.meeting_id) == col(Poll.meeting_id), col(Participant.user_id) == user_id)
        chosen = and_(col(PollOption.id) == option_id, col(PollOption.poll_id) == col(Poll.id))
        row = (
            await self.session.exec(
                select(Poll, Participant, PollOption)
                .outerjoin(Participant, mine)
                .outerjoin(PollOption, chosen)
                .where(Poll.id == poll_id)
            )
        ).first()
        if row is None or (row[1] is None and not self.ctx.principal.is_admin):
            raise NotFound("Poll", "biểu quyết", poll_id)
        return row[0], row[1], row[2]

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


def _not_open(poll: Poll) -> tuple[str, str]:
    if poll.status == PollStatus.draft:
        return "This poll is not open yet", "Biểu quyết này chưa mở"
    return "This poll is closed", "Biểu quyết này đã kết thúc"
