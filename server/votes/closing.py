"""Closing a poll: fix its counts and decide passed or failed by its rule."""

from __future__ import annotations

from sqlalchemy import delete, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import audit
from server.db import utcnow
from server.events import PollClosed
from server.live.context import ChangeContext
from server.meetings.attendance import attendance_summary
from server.meetings.models import Meeting
from server.votes.models import MajorityOf, Poll, PollKind, PollOption, PollStatus, PollVoter
from server.votes.reading import counts_of, for_event, needed_for, poll_public
from server.votes.schemas import PollPublic


def decide(kind: PollKind, options: list[PollOption], counts: dict[int, int], base: int) -> tuple[bool, int | None]:
    """(passed, winner option id): yes/no/abstain passes when "yes" has more than half of ``base``; a custom poll
    when its leading option does (then it is the only one that can)."""
    needed = needed_for(base)
    if base <= 0:
        return False, None
    if kind == PollKind.yes_no_abstain:
        yes = next(option for option in options if option.key == "yes")
        passed = counts.get(yes.id or 0, 0) >= needed
        return passed, yes.id if passed else None
    leader = max(options, key=lambda option: counts.get(option.id or 0, 0))
    if counts.get(leader.id or 0, 0) >= needed:
        return True, leader.id
    return False, None


async def close_poll(ctx: ChangeContext, meeting: Meeting, poll: Poll) -> PollPublic:
    """Close ``poll`` in this transaction (the caller commits): no ballot is accepted after it."""
    assert poll.id is not None and meeting.id is not None
    # the status changes first, under the poll row's lock: a ballot racing the close either came before
    # (and is counted below) or finds the poll closed
    await ctx.session.exec(
        update(Poll).where(col(Poll.id) == poll.id).values(status=PollStatus.closed, tallied_serial=Poll.ballot_serial)
    )
    await ctx.session.refresh(poll)
    if poll.secret:
        await forget_arrival_order(ctx.session, poll.id)
        ctx.forget_history_after_commit()
    options = list((await ctx.session.exec(select(PollOption).where(PollOption.poll_id == poll.id))).all())
    counts, voters = await counts_of(ctx.session, poll)
    attendance = await attendance_summary(ctx.session, meeting)
    base = attendance["voting_present"] if poll.majority_of == MajorityOf.present else attendance["voting_members"]
    passed, winner = decide(PollKind(poll.kind), options, counts, base)
    poll.passed, poll.result_base, poll.winner_option_id = passed, base, winner
    poll.closed_at = utcnow()
    poll.version += 1
    ctx.session.add(poll)
    await ctx.session.flush()
    public = await poll_public(ctx.session, poll)
    await ctx.emit(meeting.id, PollClosed(poll=for_event(public)))
    ctx.reindex_after_commit("poll", poll.id)  # its result joins what the assistant answers from
    audit(
        ctx.session,
        ctx.principal.id,
        "poll.close",
        "poll",
        poll.id,
        meeting_id=meeting.id,
        counts={str(key): value for key, value in counts.items()},
        voters=voters,
        passed=passed,
        base=base,
        winner_option_id=winner,
    )
    return public


async def forget_arrival_order(session: AsyncSession, poll_id: int) -> None:
    """Write a secret poll's voter rows again, all at once and in user order.

    PostgreSQL keeps, on every row, the transaction that wrote it (``xmin``) and where it lies in the table
    (``ctid``): the voter rows of a secret poll, each written by the batch that took that ballot, would tell
    who voted in which order, and the event log tells how the counts moved in that order, which together can
    name a voter's choice. Written again by the close, every row has the same transaction and lies in user
    order, so nothing at rest says who voted when. (SQLite's WITHOUT ROWID table was already in key order.)
    """
    voters = select(PollVoter.user_id).where(PollVoter.poll_id == poll_id).order_by(col(PollVoter.user_id))
    user_ids = list((await session.exec(voters)).all())
    if not user_ids:
        return
    await session.exec(delete(PollVoter).where(col(PollVoter.poll_id) == poll_id))
    await session.exec(
        insert(PollVoter.__table__),  # type: ignore[call-overload,arg-type]
        params=[{"poll_id": poll_id, "user_id": user_id} for user_id in user_ids],
    )


async def close_open_polls(ctx: ChangeContext, meeting: Meeting) -> None:
    """When the meeting closes, so do its open polls (with their results)."""
    polls = (
        await ctx.session.exec(select(Poll).where(Poll.meeting_id == meeting.id, Poll.status == PollStatus.open))
    ).all()
    for poll in polls:
        await close_poll(ctx, meeting, poll)
