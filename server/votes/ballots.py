"""Ballots decided in groups: one write transaction for every ballot that is waiting (group commit,
server/group_commit.py).

500 delegates pressing a button in the same second used to be 500 write
transactions taking turns, each five statements and a commit: 5 ms of server
time per ballot, 4-5 s for the room. Here a route hands its ballot to the
process's one ``BallotWriter`` task and waits for the answer; the task takes
everything that is waiting (up to ``max_batch``) and decides it in one
transaction:

1. the polls and their options in one query, the voters' participations in
   another; each ballot is checked by the same rules, in the same order and
   with the same errors as a ballot on its own (NotFound, Forbidden, Conflict,
   Invalid), and gets its own answer;
2. the polls that accepted ballots get their ``ballot_serial`` bumped once, in
   one statement that also re-checks they are still open (a close racing the
   batch either waits for it or makes its ballots fail with 409);
3. one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` per table
   (``poll_ballot``, or ``poll_voter`` for secret polls): the UNIQUE
   constraint stays the arbiter, also against other processes, and a voter
   whose row was not inserted already voted (409, or a change where the poll
   allows one);
4. a secret poll's option counters rise by the batch's counts in one
   statement (no row joins a voter to a choice, no audit row per ballot); an
   open poll's ballots get their ``poll.vote`` audit rows in one statement;
5. one commit, then the tally is told which polls moved.

Two ballots of one voter in one batch are decided in arrival order, exactly
as if they had come one after the other.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import case, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import AuditEntry
from server.auth.service import Principal
from server.db import Database, on_commit, utcnow
from server.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from server.group_commit import GroupWriter
from server.meetings.attendance import is_voting_member
from server.meetings.models import Attendance, Participant
from server.votes.models import Poll, PollBallot, PollOption, PollStatus, PollVoter
from server.votes.schemas import BallotReceipt

log = logging.getLogger(__name__)

MAX_BATCH = 256  # ballots per transaction: 5 columns each stays far below SQLite's 32766 bound variables


class Tally(Protocol):
    write_lock: asyncio.Lock

    def schedule(self, meeting_id: int, poll_id: int) -> None: ...


@dataclass
class _Ballot:
    principal: Principal
    poll_id: int
    option_id: int
    future: asyncio.Future[BallotReceipt]


@dataclass
class _Accepted:
    """A ballot that passed the checks, waiting for the constraint's word."""

    index: int
    ballot: _Ballot
    poll: Poll
    option: PollOption
    changed: bool = False


@dataclass
class _Batch:
    ballots: list[_Ballot]
    outcomes: list[BallotReceipt | AppError | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.outcomes = [None] * len(self.ballots)


class BallotWriter(GroupWriter[_Ballot, BallotReceipt]):
    """The process's one writer of ballots (started and stopped with the app)."""

    kind = "ballots"

    def __init__(self, db: Database, tally: Tally, max_batch: int = MAX_BATCH) -> None:
        super().__init__(max_batch)
        self.db = db
        self.tally = tally

    async def submit(self, principal: Principal, poll_id: int, option_id: int) -> BallotReceipt:
        """Cast ``principal``'s ballot and wait for its answer (a receipt, or the domain error it earned)."""
        return await self.wait_for(_Ballot(principal, poll_id, option_id, self.new_future()))

    def turn(self) -> asyncio.Lock:
        return self.tally.write_lock  # tallies of this process take turns with ballots, not in SQLite

    async def transaction(self, group: list[_Ballot]) -> Sequence[BallotReceipt | BaseException]:
        batch = _Batch(group)
        async with self.db.write() as session:
            try:
                await self._decide_in(session, batch)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        decided = [outcome for outcome in batch.outcomes if outcome is not None]
        assert len(decided) == len(group), "every ballot of the group is answered"
        return decided

    async def _decide_in(self, session: AsyncSession, batch: _Batch) -> None:
        ballots = batch.ballots
        poll_ids = sorted({ballot.poll_id for ballot in ballots})
        polls: dict[int, Poll] = {}
        options: dict[int, dict[int, PollOption]] = {}
        for poll, option in (
            await session.exec(
                select(Poll, PollOption)
                .outerjoin(PollOption, col(PollOption.poll_id) == col(Poll.id))
                .where(col(Poll.id).in_(poll_ids))
            )
        ).all():
            assert poll.id is not None
            polls[poll.id] = poll
            if option is not None and option.id is not None:
                options.setdefault(poll.id, {})[option.id] = option
        participants: dict[tuple[int, int], Participant] = {}
        meeting_ids = sorted({poll.meeting_id for poll in polls.values()})
        if meeting_ids:
            user_ids = sorted({ballot.principal.id for ballot in ballots})
            for participant in (
                await session.exec(
                    select(Participant).where(
                        col(Participant.meeting_id).in_(meeting_ids), col(Participant.user_id).in_(user_ids)
                    )
                )
            ).all():
                participants[(participant.meeting_id, participant.user_id)] = participant

        # the checks, ballot by ballot, in the order a ballot on its own meets them
        accepted: list[_Accepted] = []
        for index, ballot in enumerate(ballots):
            found = polls.get(ballot.poll_id)
            voter = participants.get((found.meeting_id, ballot.principal.id)) if found is not None else None
            try:
                option = _check(ballot, found, voter, options.get(ballot.poll_id, {}))
            except AppError as error:
                batch.outcomes[index] = error
                continue
            assert found is not None
            accepted.append(_Accepted(index, ballot, found, option))
        if not accepted:
            return

        # the polls' row locks, and a last look that they are still open
        moving = sorted({entry.poll.id for entry in accepted if entry.poll.id is not None})
        serials = dict(
            (
                await session.exec(
                    update(Poll)
                    .where(col(Poll.id).in_(moving), col(Poll.status) == PollStatus.open)
                    .values(ballot_serial=Poll.ballot_serial + 1)
                    .returning(col(Poll.id), col(Poll.ballot_serial))
                    .execution_options(synchronize_session=False)
                )
            ).all()
        )
        still_open: list[_Accepted] = []
        for entry in accepted:
            if entry.poll.id in serials:
                still_open.append(entry)
            else:  # closed since it was read (never write to the loaded row: the session would flush it)
                batch.outcomes[entry.index] = Conflict("This poll is closed", "Biểu quyết này đã kết thúc")

        # one voter's ballots of one poll in arrival order: the first decides, later ones change it or are refused
        voters: dict[tuple[int, int], list[_Accepted]] = {}
        for entry in still_open:
            key = (entry.ballot.poll_id, entry.ballot.principal.id)
            earlier = voters.setdefault(key, [])
            if earlier and not entry.poll.allow_change:
                batch.outcomes[entry.index] = _already_voted()
                continue
            entry.changed = bool(earlier)
            earlier.append(entry)
        if not voters:
            return

        now = utcnow()
        secret = {key: entries for key, entries in voters.items() if entries[0].poll.secret}
        named = {key: entries for key, entries in voters.items() if not entries[0].poll.secret}
        recorded: list[_Accepted] = []
        counts: Counter[int] = Counter()
        if secret:
            inserted = await self._insert_new(
                session,
                PollVoter,
                [{"poll_id": poll_id, "user_id": user_id} for poll_id, user_id in secret],
            )
            for key, entries in secret.items():
                if key in inserted:
                    recorded.extend(entries)
                    counts[entries[-1].option.id or 0] += 1
                else:
                    for entry in entries:
                        batch.outcomes[entry.index] = _already_voted()
            if counts:
                await session.exec(
                    update(PollOption)
                    .where(col(PollOption.id).in_(sorted(counts)))
                    .values(votes=PollOption.votes + case(counts, value=col(PollOption.id), else_=0))
                    .execution_options(synchronize_session=False)
                )
        if named:
            inserted = await self._insert_new(
                session,
                PollBallot,
                [
                    {
                        "poll_id": poll_id,
                        "user_id": user_id,
                        "option_id": entries[-1].option.id,
                        "serial": serials[poll_id],
                        "cast_at": now,
                    }
                    for (poll_id, user_id), entries in named.items()
                ],
            )
            changes: dict[tuple[int, int], list[int]] = {}  # (poll, option) -> voters whose row changes
            for key, entries in named.items():
                if key in inserted:
                    recorded.extend(entries)
                elif entries[0].poll.allow_change:
                    entries[0].changed = True
                    recorded.extend(entries)
                    changes.setdefault((key[0], entries[-1].option.id or 0), []).append(key[1])
                else:
                    for entry in entries:
                        batch.outcomes[entry.index] = _already_voted()
            for (poll_id, option_id), user_ids in sorted(changes.items()):
                await session.exec(
                    update(PollBallot)
                    .where(col(PollBallot.poll_id) == poll_id, col(PollBallot.user_id).in_(user_ids))
                    .values(option_id=option_id, serial=serials[poll_id], cast_at=now)
                    .execution_options(synchronize_session=False)
                )
            audited = sorted((entry for entry in recorded if not entry.poll.secret), key=lambda entry: entry.index)
            if audited:
                # no audit row per secret ballot: its time would line up with the count change in the event
                # log and name the voter's choice; who took part is the poll_voter table
                await session.exec(
                    insert(AuditEntry.__table__),  # type: ignore[call-overload,arg-type]
                    params=[
                        {
                            "at": now,
                            "actor_id": entry.ballot.principal.id,
                            "action": "poll.vote",
                            "target_type": "poll",
                            "target_id": entry.poll.id,
                            "meeting_id": entry.poll.meeting_id,
                            "detail": {
                                "option_id": entry.option.id,
                                "option": entry.option.label,
                                "changed": entry.changed,
                            },
                        }
                        for entry in audited
                    ],
                )
        for entry in recorded:
            poll = entry.poll
            assert poll.id is not None
            batch.outcomes[entry.index] = BallotReceipt(
                poll_id=poll.id, option_id=None if poll.secret else entry.option.id, changed=entry.changed
            )
        moved = sorted({(entry.poll.meeting_id, entry.poll.id or 0) for entry in recorded})
        on_commit(session, lambda: self._tally(moved))

    def _tally(self, moved: list[tuple[int, int]]) -> None:
        for meeting_id, poll_id in moved:
            self.tally.schedule(meeting_id, poll_id)

    async def _insert_new(
        self, session: AsyncSession, model: type[PollBallot] | type[PollVoter], rows: list[dict[str, Any]]
    ) -> set[tuple[int, int]]:
        """Insert the rows the (poll_id, user_id) constraint lets in; the keys of those it did."""
        # the rows as executemany parameters of a Core statement (SQLAlchemy's "insertmanyvalues" still sends
        # one multi-row INSERT): ``.values(rows)`` coerced every value of every row into an expression, which
        # took two thirds of the event loop in the 500-ballot burst
        table = model.__table__  # type: ignore[attr-defined]
        dialect_insert = postgresql_insert if self.db.is_postgres else sqlite_insert
        statement = (
            dialect_insert(table)
            .on_conflict_do_nothing(index_elements=["poll_id", "user_id"])
            .returning(table.c.poll_id, table.c.user_id)
        )
        return {(poll_id, user_id) for poll_id, user_id in (await session.exec(statement, params=rows)).all()}


def _check(
    ballot: _Ballot, poll: Poll | None, participant: Participant | None, options: dict[int, PollOption]
) -> PollOption:
    """The rules a ballot meets before the database has its say; the chosen option if it meets them."""
    if poll is None or (participant is None and not ballot.principal.is_admin):
        raise NotFound("Poll", "biểu quyết", ballot.poll_id)
    if participant is None or not is_voting_member(participant):
        raise Forbidden(
            "Only the meeting's voting members (chair, secretary, delegates) vote; guests do not",
            "Chỉ chủ trì, thư ký và đại biểu được biểu quyết; khách mời không biểu quyết",
        )
    if poll.status != PollStatus.open:
        raise Conflict(*not_open(poll))
    if participant.attendance != Attendance.present:
        raise Conflict(
            "Only members checked in as present vote: check in first",
            "Chỉ thành viên đã điểm danh có mặt mới được biểu quyết: hãy điểm danh trước",
        )
    option = options.get(ballot.option_id)
    if option is None:
        raise Invalid(
            f"Option {ballot.option_id} is not one of this poll's options",
            f"Phương án {ballot.option_id} không thuộc biểu quyết này",
        )
    return option


def _already_voted() -> Conflict:
    return Conflict("You have already voted in this poll", "Bạn đã biểu quyết trong lần biểu quyết này")


def not_open(poll: Poll) -> tuple[str, str]:
    if poll.status == PollStatus.draft:
        return "This poll is not open yet", "Biểu quyết này chưa mở"
    return "This poll is closed", "Biểu quyết này đã kết thúc"
